{
  "targets": [
    {
      "target_name": "silicon_agent_smc",
      "sources": ["native/addon.cc", "native/smc_decode.cc", "native/byte_search.cc"],
      "include_dirs": ["<!@(node -p \"require('node-addon-api').include\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra"],
      "conditions": [
        ["OS=='mac'", {
          "sources": ["native/smc_iokit.cc", "native/hid_temps.cc", "native/net_ifmib.cc", "native/fsstat.cc", "native/iokit_registry.cc"],
          "defines": ["HAVE_IOKIT=1"],
          "link_settings": {
            "libraries": ["-framework IOKit", "-framework CoreFoundation"]
          },
          "xcode_settings": {
            "MACOSX_DEPLOYMENT_TARGET": "12.0",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "GCC_ENABLE_CPP_EXCEPTIONS": "NO",
            "OTHER_CPLUSPLUSFLAGS": ["-Wall", "-Wextra"]
          }
        }]
      ]
    }
  ]
}
