# a choose nested 120 deep
space s {
  head projector(x: 512) {
    z = choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(choose(x))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))
  }
}
