// ggml's graph allocator replayed (vramfit/ggml_alloc.hpp). Offsets and sizes worked out by hand from
// the rules of ggml-alloc.c: sizes padded to the alignment, best fit among the free blocks but the
// last, merging on free, in-place reuse of a parent with one child and no view, outputs never freed.
#include <gtest/gtest.h>

#include "vramfit/ggml_alloc.hpp"

namespace vramfit::ggml {
namespace {

TEST(DynAllocator, BestFitAmongTheFreeBlocksThenTheLast) {
  DynAllocator a(32);
  EXPECT_EQ(a.alloc(10), 0);   // padded to 32
  EXPECT_EQ(a.alloc(40), 32);  // padded to 64: [32, 96)
  a.free(0, 10);               // a 32-byte hole at 0
  EXPECT_EQ(a.alloc(20), 0);   // fits the hole: best fit before the end
  EXPECT_EQ(a.alloc(64), 96);  // nothing but the last block is large enough
  EXPECT_EQ(a.max_size(), 160);
}

TEST(DynAllocator, FreedNeighboursMergeIntoOneBlock) {
  DynAllocator a(32);
  EXPECT_EQ(a.alloc(32), 0);
  EXPECT_EQ(a.alloc(32), 32);
  EXPECT_EQ(a.alloc(32), 64);
  a.free(0, 32);
  a.free(64, 32);   // joins the last block: [64, end)
  a.free(32, 32);   // joins [0, 32) and [64, end): one free block from 0
  EXPECT_EQ(a.alloc(96), 0);
  EXPECT_EQ(a.max_size(), 96);
}

// x (input, 32 B) -> a = W x (64 B) -> b = op(a) (64 B) -> c = W b (32 B).
std::int64_t chain(Op middle) {
  Graph g;
  const int x = g.input(Type::f32, {8, 1, 1, 1});
  const int a = g.op(Op::mul_mat, Type::f32, {16, 1, 1, 1}, {g.weight(), x});
  const int b = g.op(middle, Type::f32, {16, 1, 1, 1}, {a});
  const int c = g.op(Op::mul_mat, Type::f32, {8, 1, 1, 1}, {g.weight(), b});
  g.expand(c);
  return reserve(g, 32);
}

TEST(Reserve, AnInPlaceOpTakesItsParentsMemory) {
  // x at 0; a at 32; x freed; b in a's place; c in x's old hole: 32 + 64 = 96.
  EXPECT_EQ(chain(Op::rms_norm), 96);
  // A GLU never runs in place: b goes to 96 (the 32-byte hole is too small), a is then freed and
  // merges with the hole, c takes offset 0: 96 + 64 = 160.
  EXPECT_EQ(chain(Op::glu), 160);
}

TEST(Reserve, AViewKeepsItsRootAliveAndBlocksInPlaceReuse) {
  Graph g;
  const int x = g.input(Type::f32, {8, 1, 1, 1});
  const int a = g.op(Op::mul_mat, Type::f32, {16, 1, 1, 1}, {g.weight(), x});
  const int v = g.view(a, {4, 4, 1, 1});
  // b's parent is a view: not own memory, so no reuse; a stays alive until b is placed.
  const int b = g.op(Op::rms_norm, Type::f32, {4, 4, 1, 1}, {v});
  g.expand(b);
  // x [0, 32), a [32, 96), x freed, b (64 B) does not fit the 32-byte hole: [96, 160).
  EXPECT_EQ(reserve(g, 32), 160);
}

TEST(Reserve, OutputsAreNeverFreed) {
  Graph g;
  const int x = g.input(Type::f32, {8, 1, 1, 1});
  const int a = g.op(Op::mul_mat, Type::f32, {8, 1, 1, 1}, {g.weight(), x});
  const int b = g.op(Op::mul_mat, Type::f32, {8, 1, 1, 1}, {g.weight(), a});
  const int c = g.op(Op::mul_mat, Type::f32, {8, 1, 1, 1}, {g.weight(), b});
  g.at(a).output = true;
  g.expand(c);
  // x [0, 32), a [32, 64), x freed; b takes the hole at 0; a is an output and stays: c at 64.
  EXPECT_EQ(reserve(g, 32), 96);
}

TEST(Graph, VisitsSourcesDepthFirstInOrder) {
  Graph g;
  const int x = g.input(Type::f32, {1, 1, 1, 1});
  const int y = g.input(Type::f32, {1, 1, 1, 1});
  const int a = g.op(Op::add, Type::f32, {1, 1, 1, 1}, {y, x});
  const int b = g.op(Op::mul, Type::f32, {1, 1, 1, 1}, {a, x});
  g.expand(b);
  g.expand(a);  // already visited: nothing added
  EXPECT_EQ(g.leafs(), (std::vector<int>{y, x}));
  EXPECT_EQ(g.nodes(), (std::vector<int>{a, b}));
}

}  // namespace
}  // namespace vramfit::ggml
