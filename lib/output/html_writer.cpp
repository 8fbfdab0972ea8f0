// The HTML writer (replaced by the full site in the next commit).
#include "doctown/writer.hpp"

namespace doctown {

result<std::unique_ptr<Writer>> make_html_writer(HtmlOptions options) {
  (void)options;
  return fail(errc::unsupported, "the HTML writer is not available in this build yet; use "
                                 "--formats docpack,markdown", "html");
}

result<std::unique_ptr<Writer>> make_html_writer() { return make_html_writer(HtmlOptions{}); }

}  // namespace doctown
