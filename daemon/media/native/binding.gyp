{
  "targets": [
    {
      "target_name": "batch_io",
      "sources": ["src/batch_io.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [["OS!='linux'", {"type": "none"}]]
    }
  ]
}
