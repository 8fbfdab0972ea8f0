// Graphviz runner. `dot` is optional: the HTML writer calls this and, on not_found, puts a
// note in the page instead of a diagram. It runs through run_process (source/process.hpp):
// both pipes are drained while the graph is fed, so a large SVG cannot block the child, and
// the child dies with us.
#include "output/html/graphviz.hpp"

#include "source/process.hpp"

namespace doctown::detail {

namespace fs = std::filesystem;

std::string dot_quote(std::string_view s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (c == '\n') {
      o += "\\n";
      continue;
    }
    o += c;
  }
  return o + "\"";
}

result<std::string> render_dot_svg(const std::string& dot_source, const std::string& dot_path,
                                   double timeout_s, const fs::path& work_dir) {
  (void)work_dir;  // the graph goes in through stdin and the SVG out through stdout
  ProcessOptions po;
  po.timeout_s = timeout_s;
  po.stdin_data = dot_source;
  auto r = run_process({dot_path, "-Tsvg"}, po);
  if (!r) {
    if (r.error().code == errc::not_found)
      return fail(errc::not_found,
                  "Graphviz `dot` could not be run; install graphviz to get diagrams", dot_path);
    if (r.error().code == errc::timeout)
      return fail(errc::timeout, "dot took longer than " + std::to_string(timeout_s) + " s",
                  dot_path);
    return std::move(r).error();
  }
  if (r->exit_code != 0) return fail(errc::io_error, "dot failed on the generated diagram", dot_path);
  auto start = r->out.find("<svg");
  if (start == std::string::npos) return fail(errc::parse_error, "dot produced no SVG", dot_path);
  return r->out.substr(start);
}

}  // namespace doctown::detail
