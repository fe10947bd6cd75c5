# the same let twice
space s {
  let acts = {relu, gelu}
  let acts = {silu}
  head projector(x: 512) {
    z = linear(x, 256) | act(acts)
  }
}
