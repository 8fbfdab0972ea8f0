// `doctown version`: the version and the tool versions doctown relies on, as text or JSON.
#include <iostream>

#include "cli.hpp"

namespace doctown::cli {
namespace {
const bool registered = register_command(
    "version", "Print the version of doctown", [](CLI::App& sub) -> Runner {
      auto json = std::make_shared<bool>(false);
      sub.add_flag("--json", *json, "Print JSON");
      return [json](Cli&) {
        if (*json)
          print_json({{"name", "doctown"}, {"version", doctown::version_string}});
        else
          std::cout << "doctown " << doctown::version_string << "\n";
        return 0;
      };
    });
}  // namespace
}  // namespace doctown::cli
