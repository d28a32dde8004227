'use strict';
// Loads the compiled addon; throws if it was not built (the media worker then uses node:dgram).
module.exports = require('./build/Release/batch_io.node');
