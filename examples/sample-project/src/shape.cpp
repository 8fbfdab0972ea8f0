#include "geo/shape.hpp"

#include <sstream>

namespace geo {

namespace {
// Name used in descriptions.
const char* kind_name(ShapeKind kind) {
  switch (kind) {
    case ShapeKind::circle: return "circle";
    case ShapeKind::rectangle: return "rectangle";
    case ShapeKind::square: return "square";
  }
  return "shape";
}
}  // namespace

std::string Shape::describe() const {
  std::ostringstream out;
  out << kind_name(kind()) << " of area " << area();
  return out.str();
}

}  // namespace geo
