/*
 * The one thing a daemon needs that Node lacks: sending a datagram to an AF_UNIX socket path. It
 * carries syslog messages to /dev/log (RFC 3164 framing done in daemon/service/syslog.ts; rtpengine
 * logs there unless --log-stderr) and readiness to systemd's $NOTIFY_SOCKET (sd_notify(3) protocol,
 * Type=notify). Loaded from daemon/service/native.ts; without it rtpengine-ts logs to stderr.
 *
 *   send(path: string, data: Buffer): boolean     true when the whole datagram was sent
 *
 * A path starting with '@' names an abstract socket (as systemd writes NOTIFY_SOCKET).
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* One unbound datagram socket for every destination, made on first use (sendto per message). */
static int sock_fd = -1;

static napi_value Send(napi_env env, napi_callback_info info) {
    size_t argc = 2;
    napi_value argv[2];
    napi_value result;
    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    napi_get_boolean(env, 0, &result);
    char path[sizeof(((struct sockaddr_un *) 0)->sun_path) + 1];
    size_t plen = 0;
    void *data = NULL;
    size_t len = 0;
    if (argc < 2 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &plen) != napi_ok ||
        napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok) {
        napi_throw_type_error(env, NULL, "send(path: string, data: Buffer)");
        return NULL;
    }
    struct sockaddr_un sa;
    if (plen == 0 || plen >= sizeof sa.sun_path) return result;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, plen);
    if (sa.sun_path[0] == '@') sa.sun_path[0] = '\0';
    if (sock_fd < 0) sock_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock_fd < 0) return result;
    ssize_t w = sendto(sock_fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT, (struct sockaddr *) &sa,
                       (socklen_t) (offsetof(struct sockaddr_un, sun_path) + plen));
    napi_get_boolean(env, w == (ssize_t) len, &result);
    return result;
}

NAPI_MODULE_INIT() {
    napi_property_descriptor props[] = {
        { "send", NULL, Send, NULL, NULL, NULL, napi_default, NULL },
    };
    napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
    return exports;
}
