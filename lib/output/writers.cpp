// Writer lookup by format name, for the pipeline's `--formats` list.
#include <array>

#include "doctown/writer.hpp"

namespace doctown {

result<std::unique_ptr<Writer>> make_writer(std::string_view format) {
  if (format == "docpack") return make_docpack_writer();
  if (format == "markdown" || format == "md") return make_markdown_writer();
  if (format == "html") return make_html_writer();
  return fail(errc::not_found,
              "unknown output format '" + std::string(format) +
                  "'; known formats: docpack, markdown, html",
              std::string(format));
}

}  // namespace doctown
