// JSON documents of doctown's value types, for programs that print or store them. The one
// mapping behind them (lib/format) is also what the docpack writer and reader use.
#pragma once

#include <string>
#include <string_view>

#include "doctown/docpack.hpp"
#include "doctown/error.hpp"
#include "doctown/types.hpp"

namespace doctown {

/// The `doctown analyze --json` document: {root, files, symbols, relations, diagnostics,
/// stats}, compact, one line. Symbols use the flat record {id, kind, name, qualified_name,
/// language, file, line, end_line, declaration?, signature, doc_comment, brief, access, public,
/// complexity, parent, params?, return_type?, template_params?, flags}. O(size of the codebase).
std::string codebase_to_json(const Codebase& codebase);

/// One symbol's flat record (as in codebase_to_json), compact.
std::string symbol_to_json(const Symbol& symbol);

/// manifest.json's text for `manifest`, compact.
std::string manifest_to_json(const Manifest& manifest);

/// Parse manifest.json text. Missing fields take their defaults; parse_error (naming
/// `origin`) when the text is not a JSON object.
result<Manifest> manifest_from_json(std::string_view text, std::string_view origin = "manifest.json");

}  // namespace doctown
