space s {
  head projector(x: backbone) {
    z = linear(x, 256)
  }
  head predictor(z: projecter) {
    p = linear(z, 256)
  }
}
