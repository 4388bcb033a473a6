// vramfit catalog check: every problem in the embedded catalog plus --catalog-dir overrides
// (engine/check.hpp), as file:line: message. Exit 0 clean, 1 problems found, 2 unreadable input.
#include <fmt/format.h>

#include "engine/check.hpp"
#include "cli/commands.hpp"
#include "cli/render.hpp"

namespace vramfit::cli {
namespace {

// GitHub Actions workflow commands: ::error file=F,line=L,col=C::MESSAGE, with the escapes the runner
// expects (% CR LF in the message; also : and , in property values).
std::string gh_escape(const std::string& s, bool property) {
  std::string out;
  for (char c : s) {
    if (c == '%') out += "%25";
    else if (c == '\r') out += "%0D";
    else if (c == '\n') out += "%0A";
    else if (property && c == ':') out += "%3A";
    else if (property && c == ',') out += "%2C";
    else out += c;
  }
  return out;
}

std::string github_annotation(const io::Problem& p) {
  std::string props = "file=" + gh_escape(p.where.file, true);
  if (p.where.line > 0) props += ",line=" + std::to_string(p.where.line);
  if (p.where.column > 0) props += ",col=" + std::to_string(p.where.column);
  return "::error " + props + "::" + gh_escape(p.message, false) + "\n";
}

int run_check(Context& ctx) {
  const CatalogCheckAnswer a = answer_catalog_check(ctx);
  const io::Catalog& cat = a.catalog;
  const auto& problems = a.problems;
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
    for (const io::Problem& p : problems) out += ctx.format() == "github" ? github_annotation(p) : p.str() + "\n";
    const std::string status = problems.empty() ? std::string("catalog OK")
                                                : fmt::format("catalog has {} problem{}", problems.size(), problems.size() == 1 ? "" : "s");
    out += fmt::format("{}: {} models, {} devices, {} quantizations, {} tensor types, {} runtime profile(s) in {} files\n", status,
                       cat.models.size(), cat.devices.size(), cat.mixes.size(), cat.types.size(), cat.runtimes.size(), cat.files.size());
    ctx.io.out << out;
  }
  return problems.empty() ? 0 : 1;
}

// --against DIR: Hugging Face configs compared field by field with the catalog (check.hpp).
int run_against(Context& ctx, const std::string& dir) {
  const CheckAgainstAnswer a = answer_check_against(ctx, dir);
  const AgainstReport& r = a.report;
  const auto& problems = a.problems;
  const std::vector<std::string>& agree = a.agree;
  if (ctx.format() == "json") {
    Json j = json_document("catalog_check_against");
    j["directory"] = dir;
    Json ms = Json::array();
    for (const auto& m : r.matches) ms.push_back({{"file", m.file}, {"id", m.id}, {"differences", m.differences}});
    j["matches"] = ms;
    j["unmatched"] = r.unmatched;
    Json ps = Json::array();
    for (const io::Problem& p : problems)
      ps.push_back({{"file", p.where.file}, {"line", p.where.line}, {"column", p.where.column}, {"message", p.message}});
    j["problems"] = ps;
    ctx.io.out << dump(j);
  } else {
    std::string out;
    for (const io::Problem& p : problems) out += ctx.format() == "github" ? github_annotation(p) : p.str() + "\n";
    for (const std::string& u : r.unmatched) out += "unmatched: " + u + "\n";
    if (!agree.empty()) out += fmt::format("agree: {}\n", fmt::join(agree, ", "));
    const std::size_t differ = r.matches.size() - agree.size();
    out += fmt::format("against {}: {} config{} compared with the catalog, {} agree, {} differ; {} unmatched\n", dir,
                       r.matches.size(), r.matches.size() == 1 ? "" : "s", agree.size(), differ, r.unmatched.size());
    ctx.io.out << out;
  }
  return problems.empty() ? 0 : 1;
}

}  // namespace

void setup_catalog(CLI::App& app, Context& ctx, int& exit_code) {
  CLI::App* sub = app.add_subcommand("catalog", "catalog maintenance");
  sub->require_subcommand(1);
  CLI::App* check = sub->add_subcommand("check", "check the catalog: schema, duplicates, parameter counts, bandwidth arithmetic, sources");
  auto against = std::make_shared<std::string>();
  check->add_option("--against", *against,
                    "compare the catalog with Hugging Face configs: DIR holds ID/config.json or ID.json per catalog model")
      ->type_name("DIR");
  check->callback([&ctx, &exit_code, against] { exit_code = against->empty() ? run_check(ctx) : run_against(ctx, *against); });
}

}  // namespace vramfit::cli
