// Private: run Graphviz `dot` on a graph description and return the SVG, with an argument
// vector (posix_spawnp, no shell) and a time limit. Absence of `dot` is a value, not a crash.
#pragma once

#include <filesystem>
#include <string>

#include "doctown/error.hpp"

namespace doctown::detail {

/// Render DOT text to SVG (the <svg> element only, without the XML prolog). `work_dir` holds
/// the temporary input and output files. not_found when `dot` cannot be run, timeout when it
/// takes longer than `timeout_s`.
result<std::string> render_dot_svg(const std::string& dot_source, const std::string& dot_path,
                                   double timeout_s, const std::filesystem::path& work_dir);

/// Quote a string for DOT ("..." with escapes).
std::string dot_quote(std::string_view s);

}  // namespace doctown::detail
