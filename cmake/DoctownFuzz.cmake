# libFuzzer build (DOCTOWN_FUZZ=ON): Clang only. Everything we compile is instrumented for
# coverage (-fsanitize=fuzzer-no-link) and checked by ASan + UBSan; only the fuzz executables
# link libFuzzer's main (-fsanitize=fuzzer, in tests/fuzz/CMakeLists.txt).
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "DOCTOWN_FUZZ needs Clang with libFuzzer (Debian: clang-14 and "
                      "libclang-rt-14-dev); configure with -DCMAKE_CXX_COMPILER=clang++-14, "
                      "or use scripts/fuzz.sh")
endif()
if(DOCTOWN_SANITIZE)
  message(FATAL_ERROR "DOCTOWN_FUZZ already builds with ASan + UBSan; drop DOCTOWN_SANITIZE")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                    -fno-sanitize-recover=undefined)
add_link_options(-fsanitize=address,undefined)

# Seconds each fuzzer runs under `ctest -L fuzz`.
set(DOCTOWN_FUZZ_SECONDS 20 CACHE STRING "Seconds each fuzz target runs under ctest -L fuzz")
