# Every dependency is a Debian package found with find_package; nothing is downloaded.
find_package(Boost 1.81 REQUIRED COMPONENTS json url)
find_package(OpenSSL REQUIRED)
find_package(Threads REQUIRED)
# fmt: the CLI, the benchmarks and the tests only; the library builds its messages with std.
find_package(fmt 9 REQUIRED)
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
find_package(LibClang 14 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(LibArchive REQUIRED)
find_package(PkgConfig REQUIRED)
# PCRE2 ships only a pkg-config file on Debian 12.
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
# hnswlib is header-only and ships no CMake config on Debian.
find_path(HNSWLIB_INCLUDE_DIR hnswlib/hnswlib.h REQUIRED)
find_package(CLI11 REQUIRED)
# Tree-sitter: the runtime is a Debian package (libtree-sitter-dev); the Rust and Python grammars
# come from npm through scripts/install-deps.sh into third_party_cache/ (never into the sources).
# Both are optional: without them .rs and .py files go through ctags, and a note says so.
set(DOCTOWN_TREE_SITTER_GRAMMARS "${PROJECT_SOURCE_DIR}/third_party_cache/tree-sitter" CACHE PATH
    "Folder holding tree-sitter-rust/ and tree-sitter-python/ (each with src/parser.c)")
find_path(TREE_SITTER_INCLUDE_DIR tree_sitter/api.h)
find_library(TREE_SITTER_LIBRARY tree-sitter)
set(DOCTOWN_HAVE_TREE_SITTER OFF)
# The libFuzzer build leaves the grammars out: no fuzz target parses with them, and their
# generated C would need a C compiler that knows -fsanitize=fuzzer-no-link (GCC does not).
if(NOT DOCTOWN_FUZZ AND TREE_SITTER_INCLUDE_DIR AND TREE_SITTER_LIBRARY
   AND EXISTS "${DOCTOWN_TREE_SITTER_GRAMMARS}/tree-sitter-rust/src/parser.c"
   AND EXISTS "${DOCTOWN_TREE_SITTER_GRAMMARS}/tree-sitter-python/src/parser.c")
  set(DOCTOWN_HAVE_TREE_SITTER ON)
  message(STATUS "tree-sitter: ${TREE_SITTER_LIBRARY} with grammars from ${DOCTOWN_TREE_SITTER_GRAMMARS}")
else()
  message(STATUS "tree-sitter: runtime or grammars not found (run scripts/install-deps.sh); "
                 "Rust and Python go through ctags")
endif()
