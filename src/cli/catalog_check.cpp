// vramfit catalog check: every problem in the embedded catalog plus --catalog-dir overrides,
// as file:line: message. Exit 0 clean, 1 problems found, 2 unreadable input.
#include <fmt/format.h>

#include "catalog/check.hpp"
#include "cli/commands.hpp"
#include "cli/render.hpp"

namespace vramfit::cli {
namespace {

int run_check(Context& ctx) {
  io::Diagnostics diag(true);
  const io::Catalog cat = io::load_catalog(io::catalog_dirs(ctx.io.catalog_path, ctx.global.catalog_dirs), diag);
  io::check_catalog(cat, diag);
  const auto& problems = diag.problems();
  if (ctx.format() == "json") {
    Json j = json_document("catalog_check");
    j["files"] = cat.files;
    j["models"] = cat.models.size();
    j["devices"] = cat.devices.size();
    j["mixes"] = cat.mixes.size();
    j["tensor_types"] = cat.types.size();
    j["runtimes"] = cat.runtimes.size();
    Json ps = Json::array();
    for (const io::Problem& p : problems)
      ps.push_back({{"file", p.where.file}, {"line", p.where.line}, {"column", p.where.column}, {"message", p.message}});
    j["problems"] = ps;
    ctx.io.out << dump(j);
  } else {
    std::string out;
    for (const io::Problem& p : problems) out += p.str() + "\n";
    const std::string status = problems.empty() ? std::string("catalog OK")
                                                : fmt::format("catalog has {} problem{}", problems.size(), problems.size() == 1 ? "" : "s");
    out += fmt::format("{}: {} models, {} devices, {} quantizations, {} tensor types, {} runtime profile(s) in {} files\n", status,
                       cat.models.size(), cat.devices.size(), cat.mixes.size(), cat.types.size(), cat.runtimes.size(), cat.files.size());
    ctx.io.out << out;
  }
  return problems.empty() ? 0 : 1;
}

}  // namespace

void setup_catalog(CLI::App& app, Context& ctx, int& exit_code) {
  CLI::App* sub = app.add_subcommand("catalog", "catalog maintenance");
  sub->require_subcommand(1);
  CLI::App* check = sub->add_subcommand("check", "check the catalog: schema, duplicates, parameter counts, bandwidth arithmetic, sources");
  check->callback([&ctx, &exit_code] { exit_code = run_check(ctx); });
}

}  // namespace vramfit::cli
