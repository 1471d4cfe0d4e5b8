{
  "targets": [
    {
      "target_name": "tcpshift_native",
      "conditions": [
        ["OS=='linux'", {
          "sources": ["src/proxy/native/addon.cc", "src/proxy/native/listen.cc", "src/proxy/native/pump.cc", "src/proxy/native/splice.cc", "src/proxy/native/activity.cc", "src/proxy/native/preamble.cc"]
        }, {
          "sources": ["src/proxy/native/unsupported.cc"]
        }]
      ],
      "cflags_cc": ["-O2", "-std=c++17", "-fno-exceptions", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
