# each head reads the other's output
space s {
  head projector(x: predictor) {
    z = linear(x, 256)
  }
  head predictor(z: projector) {
    p = linear(z, 256)
  }
}
