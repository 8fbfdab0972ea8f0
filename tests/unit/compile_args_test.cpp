// The compile-database argument allowlist: what passes to libclang, what is dropped and named.
#include <catch2/catch.hpp>

#include <algorithm>

#include "analyzer/compile_db.hpp"
#include "support/test_paths.hpp"

namespace fs = std::filesystem;
using doctown::detail::filter_compile_args;

namespace {

bool has(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE("parse-only flags pass the allowlist", "[analyzer][compile-args]") {
  fs::path root = fs::canonical(doctown::test::scratch_dir("cargs-ok"));
  fs::create_directories(root / "include");
  auto f = filter_compile_args(
      {"clang++", "-DNDEBUG", "-D", "X=1", "-UFOO", "-Iinclude", "-I", root.string(),
       "-isystem", "/usr/include", "-std=c++20", "-x", "c++", "--target=x86_64-linux-gnu",
       "-Wall", "-Wno-unused", "-fno-exceptions", "-fvisibility=hidden", "-march=native",
       "-pthread", "-O2", "-g", "-c", "src/a.cpp", "-o", "a.o"},
      "src/a.cpp", root, root);
  CHECK(f.dropped.empty());
  for (const char* a : {"-DNDEBUG", "-D", "X=1", "-UFOO", "-Iinclude", "-isystem", "/usr/include",
                        "-std=c++20", "-x", "c++", "--target=x86_64-linux-gnu", "-Wall",
                        "-fno-exceptions", "-fvisibility=hidden", "-march=native", "-pthread"}) {
    INFO(a);
    CHECK(has(f.args, a));
  }
  CHECK_FALSE(has(f.args, "-c"));
  CHECK_FALSE(has(f.args, "a.o"));
  CHECK_FALSE(has(f.args, "src/a.cpp"));
}

TEST_CASE("flags that write, load code or read outside the tree are dropped and named",
          "[analyzer][compile-args]") {
  fs::path root = fs::canonical(doctown::test::scratch_dir("cargs-bad"));
  const std::vector<std::string> hostile{
      "cc", "-Wp,-MD,/tmp/victim", "-MD", "-MF", "/tmp/x.d", "-MJ", "/tmp/j.json",
      "-Xclang", "-header-include-file", "-Xclang", "/tmp/h", "-fplugin=/tmp/p.so",
      "-Xclang", "-load", "-Xclang", "/tmp/p.so", "@/tmp/rsp", "--config", "/etc/c.cfg",
      "-include", "/etc/passwd", "-I/etc", "-isystem", "../../..", "-fprofile-use=/tmp/p",
      "-ftime-trace", "-save-temps", "-mllvm", "-x", "-fmodules", "-fmodules-cache-path=/tmp/m",
      "-B/tmp/bin", "-resource-dir", "/tmp/r", "-Wl,-rpath,/x", "-mllvm-fvisibility=hidden",
      "a.cpp"};
  auto f = filter_compile_args(hostile, "a.cpp", root, root);
  CHECK(f.args.empty());
  for (const char* a : {"-Wp,-MD,/tmp/victim", "-MD", "-MF /tmp/x.d", "-MJ /tmp/j.json",
                        "-Xclang -header-include-file", "-fplugin=/tmp/p.so", "@/tmp/rsp",
                        "--config /etc/c.cfg", "-include /etc/passwd", "-I/etc",
                        "-isystem ../../..", "-fprofile-use=/tmp/p", "-ftime-trace",
                        "-mllvm -x", "-fmodules", "-B/tmp/bin", "-resource-dir /tmp/r",
                        "-mllvm-fvisibility=hidden"}) {
    INFO(a);
    CHECK(has(f.dropped, a));
  }
}

TEST_CASE("an include folder inside the tree that links outside is refused",
          "[analyzer][compile-args]") {
  fs::path root = fs::canonical(doctown::test::scratch_dir("cargs-link"));
  fs::create_symlink("/etc", root / "escape");
  fs::create_directories(root / "inc");
  auto f = filter_compile_args({"cc", "-Iescape", "-Iinc", "-include", "inc/../inc/x.h"},
                               "a.c", root, root);
  CHECK(has(f.dropped, "-Iescape"));
  CHECK(has(f.args, "-Iinc"));
  CHECK(has(f.args, "-include"));
}

TEST_CASE("a database entry's directory outside the tree does not widen it",
          "[analyzer][compile-args]") {
  fs::path root = fs::canonical(doctown::test::scratch_dir("cargs-dir"));
  auto f = filter_compile_args({"cc", "-I.", "-Iinclude"}, "a.c", "/etc", root);
  CHECK(has(f.dropped, "-I."));
  CHECK(has(f.dropped, "-Iinclude"));
}
