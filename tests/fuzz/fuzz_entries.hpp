// The fuzz entry functions and what they share. Each entry takes one input, drives one parser
// of the library with it and checks what the parser promises (no crash, errors as values, the
// invariants of what it returns). An entry returns 1 when the parser accepted the input and 0
// when it rejected it with an error; a broken promise aborts with a message (what a fuzzer and
// a test runner both notice). Nothing here depends on libFuzzer.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

namespace doctown::fuzz {

int fuzz_compile_db(const std::uint8_t* data, std::size_t size);
int fuzz_llm_answer(const std::uint8_t* data, std::size_t size);
int fuzz_docpack(const std::uint8_t* data, std::size_t size);
int fuzz_archive(const std::uint8_t* data, std::size_t size);
int fuzz_tiktoken(const std::uint8_t* data, std::size_t size);
int fuzz_ctags(const std::uint8_t* data, std::size_t size);
int fuzz_compile_args(const std::uint8_t* data, std::size_t size);
int fuzz_markdown(const std::uint8_t* data, std::size_t size);

/// Entry functions by target name (the corpus folders' names).
struct Entry {
  const char* name;
  int (*run)(const std::uint8_t*, std::size_t);
};
inline constexpr Entry entries[] = {
    {"compile_db", fuzz_compile_db}, {"llm_answer", fuzz_llm_answer},
    {"docpack", fuzz_docpack},       {"archive", fuzz_archive},
    {"tiktoken", fuzz_tiktoken},     {"ctags", fuzz_ctags},
    {"compile_args", fuzz_compile_args},
    {"markdown", fuzz_markdown},
};

/// Abort with a message when a promise of the library is broken.
#define DOCTOWN_FUZZ_CHECK(cond, what)                                                     \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "fuzz check failed at %s:%d: %s (%s)\n", __FILE__, __LINE__, \
                   what, #cond);                                                           \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

/// A scratch folder for this process (entries that need files write them here), removed when
/// the process exits normally. Kept apart per process so parallel fuzzers never share files.
inline const std::filesystem::path& scratch() {
  struct Dir {
    std::filesystem::path path;
    Dir() {
      std::error_code ec;
      path = std::filesystem::temp_directory_path(ec) /
             ("doctown-fuzz-" + std::to_string(::getpid()));
      std::filesystem::remove_all(path, ec);
      std::filesystem::create_directories(path, ec);
    }
    ~Dir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };
  static const Dir dir;
  return dir.path;
}

/// Write bytes to a file, replacing it.
inline void write_bytes(const std::filesystem::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  DOCTOWN_FUZZ_CHECK(out.good(), "cannot write the fuzz input to the scratch folder");
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace doctown::fuzz
