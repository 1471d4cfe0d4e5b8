// Outside Linux the native data path (epoll) is not built: this module exports nothing, and the
// proxy moves bytes with Node sockets.
#include <node_api.h>

NAPI_MODULE_INIT() { return exports; }
