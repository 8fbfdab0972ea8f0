#include "kinds/kinds.hpp"

#include <cmath>

namespace kinds {

int points_made = 0;

Point Point::operator+(const Point& other) const noexcept { return {x + other.x, y + other.y}; }

Point::operator double() const { return std::sqrt(x * x + y * y); }

double distance(const Point& a, const Point& b) {
  ++points_made;
  return static_cast<double>(Point{a.x - b.x, a.y - b.y});
}

double old_distance(const Point& a, const Point& b) { return distance(a, b); }

Geometry::Geometry() = default;
Geometry::~Geometry() = default;

double Geometry::path_length(const Point* points, std::size_t count) {
  double total = 0;
  for (std::size_t i = 1; i < count; ++i) {
    if (points[i].x > 0 && points[i].y > 0) {
      while (total < 0) {
        total = max_of(total, 0.0);
      }
    }
    total += distance(points[i - 1], points[i]);
  }
  auto scale = [](double v) { return detail::helper(static_cast<int>(v)) > 0 ? v : -v; };
  return scale(total);
}

namespace detail {
int helper(int v) { return KINDS_SQUARE(v); }
}  // namespace detail

}  // namespace kinds
