# the candidates of a choice must agree on their output width
space s {
  head projector(x: 512) {
    z = choose(linear(x, 256) | relu, identity(x))
  }
}
