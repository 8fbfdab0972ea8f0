// Private: llms.txt and llms-full.txt (https://llmstxt.org), written beside the HTML site so
// that agents find the docs the way they look for them: a title, a one-paragraph summary, and
// sections of links with one-line notes; the full file holds every Markdown page in one text.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "output/site/site_model.hpp"

namespace doctown::detail {

/// The Markdown site as (file name, text) pairs: index.md first, then one page per SitePage.
/// Defined in markdown_writer.cpp, so both outputs render the same pages.
std::vector<std::pair<std::string, std::string>> markdown_pages(const SiteModel& model,
                                                                const std::string& name);

/// The two files' texts.
struct LlmsTxt {
  std::string index;  ///< llms.txt: links to the site's pages (`page_ext` pages) with notes
  std::string full;   ///< llms-full.txt: the llms.txt header, then every Markdown page
};

/// Render both files for a site whose pages end in `page_ext` (".html").
LlmsTxt render_llms_txt(const SiteModel& model, const std::string& name,
                        std::string_view page_ext);

}  // namespace doctown::detail
