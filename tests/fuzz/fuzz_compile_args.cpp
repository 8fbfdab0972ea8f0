// Fuzz entry: the compile-database argument allowlist. The input is one compile command's
// argument vector, one argument per line (the first is the compiler), filtered as an entry of
// a database whose directory is a project folder. Checked: the filter only ever passes
// arguments it was given, nothing that writes, loads code or reads outside the tree gets
// through, and every include path it keeps resolves inside the project or a system folder.
#include <algorithm>
#include <string>
#include <vector>

#include "analyzer/compile_db.hpp"
#include "fuzz_entries.hpp"

namespace doctown::fuzz {

namespace fs = std::filesystem;

namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Prefixes no kept argument may have: they write (-M*, -Wp,), load (-fplugin, -Xclang -load),
// or read files we did not choose (@file, --config, profiles, module caches).
constexpr std::string_view kForbidden[] = {
    "-M", "-Wp,", "-Wl,", "-Wa,", "-X", "@", "--config", "-fplugin", "-fpass-plugin",
    "-fprofile", "-fmodule", "-ftime-trace", "-save-temps", "-fsave", "-B", "-resource-dir",
    "-mllvm", "-load", "-o", "-fcrash", "-fdump", "-ivfsoverlay", "-include-pch", "--output"};

}  // namespace

int fuzz_compile_args(const std::uint8_t* data, std::size_t size) {
  static const fs::path root = [] {
    fs::path r = scratch() / "compile_args" / "project";
    std::error_code ec;
    fs::create_directories(r / "include", ec);
    return fs::canonical(r, ec);
  }();
  std::vector<std::string> argv;
  std::string_view text = as_text(data, size);
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    argv.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  auto out = detail::filter_compile_args(argv, "src/a.cpp", root, root);
  const std::vector<std::string> given(argv.begin() + (argv.empty() ? 0 : 1), argv.end());
  DOCTOWN_FUZZ_CHECK(out.args.size() + out.dropped.size() <= given.size() + given.size(),
                     "no argument is invented");
  for (std::size_t i = 0; i < out.args.size(); ++i) {
    const auto& a = out.args[i];
    DOCTOWN_FUZZ_CHECK(std::find(given.begin(), given.end(), a) != given.end(),
                       "a kept argument was given");
    // A flag whose value is the next argument: the value is data (a macro, a path), not a flag.
    bool path_flag = false, value_flag = false;
    for (std::string_view f : {"-I", "-isystem", "-iquote", "-idirafter", "-include", "-imacros",
                               "-F", "-isysroot"})
      path_flag |= a == f;
    for (std::string_view f : {"-D", "-U", "-x", "-target"}) value_flag |= a == f;
    if (path_flag || value_flag) {
      DOCTOWN_FUZZ_CHECK(i + 1 < out.args.size(), "a value flag keeps its value");
      if (path_flag)
        DOCTOWN_FUZZ_CHECK(detail::compile_path_allowed(out.args[i + 1], root, root),
                           "a kept include path is inside the tree or a system folder");
      ++i;
      continue;
    }
    for (auto bad : kForbidden)
      DOCTOWN_FUZZ_CHECK(!starts_with(a, bad),
                         "nothing that writes, loads or reads outside passes");
  }
  return out.dropped.empty() ? 1 : 0;
}

}  // namespace doctown::fuzz
