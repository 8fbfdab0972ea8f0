#pragma once

#include "geo/shape.hpp"

namespace geo {

//! A circle centred at the origin.
class Circle : public Shape {
 public:
  /// Create a circle; a negative radius is clamped to zero.
  explicit Circle(double radius);

  double area() const override;
  double perimeter() const override;
  ShapeKind kind() const override { return ShapeKind::circle; }

  /// The radius given at construction (never negative).
  double radius() const noexcept { return radius_; }

 private:
  double radius_;
};

}  // namespace geo
