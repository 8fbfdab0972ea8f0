#pragma once

#include "geo/shape.hpp"

namespace geo {

/** An axis-aligned rectangle. */
class Rectangle : public Shape {
 public:
  Rectangle(double width, double height);

  double area() const override;
  double perimeter() const override;
  ShapeKind kind() const override;

  double width() const { return width_; }
  double height() const { return height_; }

 protected:
  double width_;
  double height_;
};

/// A rectangle whose sides are equal.
class Square final : public Rectangle {
 public:
  explicit Square(double side);
  ShapeKind kind() const override;
};

}  // namespace geo
