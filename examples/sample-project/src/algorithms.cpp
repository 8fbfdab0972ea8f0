#include "geo/algorithms.hpp"

#include <map>
#include <sstream>

#include "geo/circle.hpp"
#include "geo/rectangle.hpp"

namespace geo {

double total_area(const ShapeList& shapes) {
  double sum = 0;
  for (const auto& s : shapes) {
    if (s) sum += s->area();
  }
  return sum;
}

const Shape* largest(const ShapeList& shapes) {
  const Shape* best = nullptr;
  for (const auto& s : shapes) {
    if (!s) continue;
    if (!best || s->area() > best->area()) best = s.get();
  }
  return best;
}

std::unique_ptr<Shape> parse_shape(const std::string& text) {
  std::istringstream in(text);
  std::string word;
  in >> word;
  if (word == "circle") {
    double r = 0;
    if (in >> r) return std::make_unique<Circle>(r);
  } else if (word == "rect" || word == "rectangle") {
    double w = 0, h = 0;
    if (in >> w >> h) return std::make_unique<Rectangle>(w, h);
  } else if (word == "square") {
    double side = 0;
    if (in >> side) return std::make_unique<Square>(side);
  }
  return nullptr;
}

std::string summarize(const ShapeList& shapes) {
  std::map<ShapeKind, int> counts;
  for (const auto& s : shapes) {
    if (s) ++counts[s->kind()];
  }
  std::ostringstream out;
  out << shapes.size() << " shapes, total area " << total_area(shapes);
  if (const Shape* big = largest(shapes)) out << ", largest: " << big->describe();
  return out.str();
}

}  // namespace geo
