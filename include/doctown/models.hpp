// Model table: context windows, output limits and prices, for planning and cost accounting.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "doctown/error.hpp"
#include "doctown/types.hpp"

namespace doctown {

/// The chat model a run uses when none is named (LlmOptions::model, make_batch_planner).
inline constexpr std::string_view default_chat_model = "gpt-4o-mini";

/// Limits and prices of one model. Prices are USD per million tokens.
struct ModelInfo {
  std::string name;
  std::string encoding = "o200k_base";
  std::size_t context_window = 128000;
  std::size_t max_output_tokens = 16384;
  double input_per_mtok = 0;
  double cached_input_per_mtok = 0;
  double output_per_mtok = 0;
  bool known = true;  ///< false: conservative defaults were used
};

/// Built-in models plus any loaded from JSON.
class ModelTable {
 public:
  /// The built-in table (gpt-4o, gpt-4o-mini, gpt-4.1*, gpt-5*, o3, o4-mini).
  static ModelTable builtin();
  /// Add or replace models from a JSON file: {"models":[{"name",...}]} or [{...}].
  result<void> load_json_file(const std::filesystem::path& path);
  /// Same from JSON text.
  result<void> load_json(std::string_view text, std::string_view origin = "<json>");
  /// Exact name, then the longest known prefix (dated snapshots), else conservative defaults
  /// with known = false.
  ModelInfo lookup(std::string_view model) const;
  const std::map<std::string, ModelInfo>& models() const { return models_; }

 private:
  std::map<std::string, ModelInfo> models_;
};

/// Cost of usage: uncached input × input price + cached × cached price + output × output
/// price; the Batch API halves it.
double cost_usd(const ModelInfo& model, const TokenUsage& usage, bool batch_api = false);

}  // namespace doctown
