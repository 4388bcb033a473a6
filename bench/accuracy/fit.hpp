// bench/accuracy: predicting the measured rows with a set of speed profiles, and fitting the profiles.
#pragma once

#include <string>
#include <vector>

#include "accuracy/cases.hpp"

namespace vramfit::accuracy {

// The profile that drives a case (its first GPU, or the host for CPU rows); nullptr if none applies.
const SpeedProfile* profile_of(const Case& c, const std::vector<SpeedProfile>& profiles);

// Predicted tokens/s of one case (0 when the model cannot predict it).
double predict(Case& c, const std::vector<SpeedProfile>& profiles);

// Median and 90th percentile of |ln(predicted / measured)|.
struct ErrorStats {
  int n = 0;
  double median = 0, p90 = 0;
};
ErrorStats error_stats(const std::vector<double>& abs_log_errors);
double percentile(std::vector<double> v, double q);

struct FitResult {
  std::vector<SpeedProfile> profiles;
  std::vector<double> cross_validated;  // per case: tokens/s predicted with the case's own profile refitted without it
};

// Fits every profile of `start` (their ids, backends and device classes fix the structure; the numbers
// are searched) on the cases, decode first, then prefill. docs/speed.md describes the procedure.
FitResult fit_profiles(std::vector<Case>& cases, const std::vector<SpeedProfile>& start);

// The data/speed.yaml text for a set of fitted profiles.
std::string profiles_yaml(const std::vector<SpeedProfile>& profiles, const std::string& provenance);

}  // namespace vramfit::accuracy
