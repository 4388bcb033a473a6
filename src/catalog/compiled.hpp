// The data/*.yaml catalog, compiled to C++ at build time by vramfit_catgen.
#pragma once

#include "catalog/catalog.hpp"

namespace vramfit::io {

Catalog compiled_catalog();

}  // namespace vramfit::io
