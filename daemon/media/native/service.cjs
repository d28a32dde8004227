'use strict';
// Loads the compiled service addon (src/service.c: syslog, systemd readiness); throws if it was not
// built (rtpengine-ts then logs to stderr, see daemon/service/native.ts).
module.exports = require('./build/Release/service.node');
