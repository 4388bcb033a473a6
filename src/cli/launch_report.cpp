// The launch command for people and scripts (cli/launch_report.hpp).
#include "cli/launch_report.hpp"

namespace vramfit::cli {

std::string launch_text(const LaunchCommand& c, const TextOptions& t) {
  std::string out;
  if (!c.has_command()) {
    out = "run: none (" + (c.notes.empty() ? "no launch command for " + c.runtime : c.notes.front()) + ")\n";
    return wrap(out, t.columns);
  }
  std::string env;
  for (const LaunchFlag& e : c.env) env += e.name + "=" + shell_word(e.value) + " ";
  if (c.runtime == "ollama") {
    // The environment is the server's; the parameters are typed in the `ollama run` session.
    if (!env.empty()) out += "run: " + env + "ollama serve\n     " + c.command() + "\n";
    else out += "run: " + c.command() + "\n";
    for (const LaunchFlag& p : c.parameters) out += "     >>> /set parameter " + p.name + " " + p.value + "\n";
  } else {
    out += "run: " + env + c.command() + "\n";
  }
  if (t.explain)
    for (const std::string& n : c.notes) out += wrap("     " + n + "\n", t.columns, 5);
  return out;
}

Json launch_json(const LaunchCommand& c) {
  Json j;
  j["runtime"] = c.runtime;
  j["command"] = c.has_command() ? Json(c.command()) : Json(nullptr);
  j["argv"] = c.argv;
  Json env = Json::object();
  for (const LaunchFlag& e : c.env) env[e.name] = e.value;
  j["env"] = env;
  Json params = Json::object();
  for (const LaunchFlag& p : c.parameters) {  // numbers as numbers, as Ollama's API options take them
    const bool number = !p.value.empty() && p.value.find_first_not_of("0123456789") == std::string::npos;
    params[p.name] = number ? Json(std::stoll(p.value)) : Json(p.value);
  }
  j["parameters"] = params;
  j["notes"] = c.notes;
  return j;
}

}  // namespace vramfit::cli
