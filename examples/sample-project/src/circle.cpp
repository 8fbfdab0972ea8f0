#include "geo/circle.hpp"

namespace geo {

namespace {
constexpr double kPi = 3.14159265358979323846;
}

Circle::Circle(double radius) : radius_(radius < 0 ? 0 : radius) {}

double Circle::area() const { return kPi * radius_ * radius_; }

double Circle::perimeter() const { return 2 * kPi * radius_; }

}  // namespace geo
