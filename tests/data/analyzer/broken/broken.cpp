#include "this_header_does_not_exist.hpp"

/// Still found although the include above is missing.
int survivor(int v) { return v + 1; }

/// Calls the survivor.
int caller() { return survivor(41); }
