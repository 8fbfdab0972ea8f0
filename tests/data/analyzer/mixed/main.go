package main

// Add returns the sum.
func Add(a int, b int) int {
	return a + b
}

func hidden() {}
