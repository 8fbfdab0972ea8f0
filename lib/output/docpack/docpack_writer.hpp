// Private: the docpack's members as bytes, for the writer and for tests of the format.
#pragma once

#include <string>
#include <vector>

#include "doctown/writer.hpp"
#include "output/docpack/zip_io.hpp"

namespace doctown::detail {

/// The docpack layout version written.
inline constexpr const char* kDocpackVersion = "6.1";

/// Build every member of a docpack for `docs` (validated first).
result<std::vector<ZipMember>> docpack_members(const DocSet& docs, const std::string& name);

}  // namespace doctown::detail
