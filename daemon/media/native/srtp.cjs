'use strict';
// Loads the compiled SRTP crypto addon (src/srtp_crypto.c); throws if it was not built (the media
// worker then uses protocol/srtp's JS primitives, see daemon/media/srtp-native.ts).
module.exports = require('./build/Release/srtp_crypto.node');
