#include "core/algorithm.h"

#include "core/named.h"

namespace huge2 {
namespace {

constexpr Named<Algorithm> kNames[] = {{"reference", Algorithm::reference},
                                       {"darknet", Algorithm::darknet},
                                       {"huge2", Algorithm::huge2},
                                       {"cudnn", Algorithm::cudnn}};

}  // namespace

const char* algorithm_name(Algorithm a) { return name_of(kNames, a); }
Algorithm parse_algorithm(const std::string& name) { return parse_named(kNames, name, "algorithm"); }

}  // namespace huge2
