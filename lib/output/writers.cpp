// Writer lookup by format, for the pipeline's `formats` list. Names are parsed by
// parse_output_format only, so the CLI, the pipeline and this lookup accept the same ones.
#include "doctown/writer.hpp"

namespace doctown {

result<std::unique_ptr<Writer>> make_writer(OutputFormat format) {
  switch (format) {
    case OutputFormat::docpack: return make_docpack_writer();
    case OutputFormat::markdown: return make_markdown_writer();
    case OutputFormat::html: return make_html_writer();
  }
  return fail(errc::internal, "unhandled output format");
}

result<std::unique_ptr<Writer>> make_writer(std::string_view format) {
  auto f = parse_output_format(format);
  if (!f) return fail(errc::not_found, f.error().message, std::string(format));
  return make_writer(*f);
}

}  // namespace doctown
