#include "geo/rectangle.hpp"

namespace geo {

Rectangle::Rectangle(double width, double height) : width_(width), height_(height) {}

double Rectangle::area() const { return width_ * height_; }

double Rectangle::perimeter() const { return 2 * (width_ + height_); }

ShapeKind Rectangle::kind() const { return ShapeKind::rectangle; }

Square::Square(double side) : Rectangle(side, side) {}

ShapeKind Square::kind() const { return ShapeKind::square; }

}  // namespace geo
