// Each subcommand registers itself on the app; its callback sets the exit code.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/common.hpp"

namespace vramfit::cli {

// The options of one CLI11 app as typed on a command line: --long and -s (app.cpp).
std::vector<std::string> option_words(const CLI::App& a);

void setup_estimate(CLI::App& app, Context& ctx, int& exit_code);
void setup_fit(CLI::App& app, Context& ctx, int& exit_code);
void setup_finetune(CLI::App& app, Context& ctx, int& exit_code);
void setup_table(CLI::App& app, Context& ctx, int& exit_code);
void setup_list(CLI::App& app, Context& ctx, int& exit_code);
void setup_show(CLI::App& app, Context& ctx, int& exit_code);
void setup_catalog(CLI::App& app, Context& ctx, int& exit_code);
void setup_import(CLI::App& app, Context& ctx, int& exit_code);
void setup_recommend(CLI::App& app, Context& ctx, int& exit_code);
void setup_what_fits(CLI::App& app, Context& ctx, int& exit_code);
void setup_detect(CLI::App& app, Context& ctx, int& exit_code);
void setup_chart(CLI::App& app, Context& ctx, int& exit_code);
void setup_validate(CLI::App& app, Context& ctx, int& exit_code);
void setup_bench(CLI::App& app, Context& ctx, int& exit_code);
void setup_completion(CLI::App& app, Context& ctx, int& exit_code);  // sets up every command: it lists them
void setup_help(CLI::App& app, Context& ctx, int& exit_code);        // likewise: help on any command

}  // namespace vramfit::cli
