// The definition of embedded_catalog() is generated; this unit only anchors the header.
#include "catalog/embedded.hpp"
