{
  "targets": [
    {
      "target_name": "batch_io",
      "sources": ["src/batch_io.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [["OS!='linux'", {"type": "none"}]]
    },
    {
      # SRTP crypto primitives on the OpenSSL inside the node binary (its symbols, node's headers).
      # -z now: if this node does not export them, require() fails and the JS primitives are used.
      "target_name": "srtp_crypto",
      "sources": ["src/srtp_crypto.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "ldflags": ["-Wl,-z,now"],
      "conditions": [["OS!='linux'", {"type": "none"}]]
    },
    {
      # syslog(3) and systemd readiness (sd_notify protocol) for daemon/service/.
      "target_name": "service",
      "sources": ["src/service.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [["OS!='linux'", {"type": "none"}]]
    }
  ]
}
