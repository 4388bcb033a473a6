// A replay of ggml's graph allocator (ggml-alloc.c, llama.cpp de3ff81 as node-llama-cpp 3.22.1 ships
// it): the tensors of one compute graph, the order ggml visits them in, and the offsets the dynamic
// allocator gives them, to find the size a backend's compute buffer is reserved at. Only sizes are
// kept (no data, no strides): every tensor the allocator places is contiguous, so its bytes are
// elements x type size and two tensors have the same layout when they have the same type and shape.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <utility>
#include <vector>

namespace vramfit::ggml {

// `weight` stands for every tensor that has memory of its own before the graph is allocated (model
// weights, the KV cache): the allocator never places it.
enum class Type : std::uint8_t { f32, f16, i32, i64, weight };

// The ops the llama.cpp graphs below use. `view` covers every op whose result is a view of its first
// source (VIEW, RESHAPE, PERMUTE, TRANSPOSE, SET_ROWS, CPY, the *_inplace ops).
enum class Op : std::uint8_t {
  none, view, get_rows, norm, rms_norm, mul, add, add_id, div, clamp, scale, unary, rope, soft_max, mul_mat, mul_mat_id,
  flash_attn, cont, glu, argsort, sum_rows, concat, repeat, ssm_conv, ssm_scan, gated_delta_net, sqr, pad
};

// ggml_op_can_inplace (ggml-alloc.c): the result may take the memory of a source it replaces.
constexpr bool can_inplace(Op op) {
  return op == Op::rms_norm || op == Op::mul || op == Op::add || op == Op::add_id || op == Op::div || op == Op::clamp ||
         op == Op::scale || op == Op::unary || op == Op::rope || op == Op::soft_max || op == Op::sqr;
}

using Shape = std::array<std::int64_t, 4>;

// A tensor's sources, in order: at most GGML_MAX_SRC (10; SSM_SCAN has seven).
class Sources {
 public:
  Sources() = default;
  Sources(std::initializer_list<int> ids) {
    for (int i : ids) push_back(i);
  }
  void push_back(int i) {
    if (n_ == ids_.size()) throw std::length_error("ggml::Sources: more than ten sources");
    ids_[n_++] = i;
  }
  [[nodiscard]] std::size_t size() const { return n_; }
  [[nodiscard]] bool empty() const { return n_ == 0; }
  [[nodiscard]] int operator[](std::size_t i) const { return ids_[i]; }
  [[nodiscard]] const int* begin() const { return ids_.data(); }
  [[nodiscard]] const int* end() const { return ids_.data() + n_; }

 private:
  std::array<int, 10> ids_{};
  std::size_t n_ = 0;
};

struct Tensor {
  Type type = Type::f32;
  Shape ne{1, 1, 1, 1};
  Op op = Op::none;
  Sources src;
  int view_src = -1;  // the root tensor a view points into (ggml_new_tensor_impl resolves views of views)
  bool input = false;
  bool output = false;
  [[nodiscard]] std::int64_t elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
  [[nodiscard]] std::int64_t bytes() const {
    switch (type) {
      case Type::f16: return 2 * elements();
      case Type::i64: return 8 * elements();
      case Type::f32:
      case Type::i32: return 4 * elements();
      case Type::weight: return 0;
    }
    return 0;
  }
};

// A compute graph: tensors by index, and the node and leaf order of ggml_build_forward_expand.
class Graph {
 public:
  void reserve(std::size_t tensors) { tensors_.reserve(tensors); }
  int weight(Shape ne = {1, 1, 1, 1}) { return add(Tensor{Type::weight, ne, Op::none, {}, -1, false, false}); }
  int input(Type type, Shape ne) { return add(Tensor{type, ne, Op::none, {}, -1, true, false}); }
  int op(Op op, Type type, Shape ne, Sources src) { return add(Tensor{type, ne, op, src, -1, false, false}); }
  // A view of `of` with shape `ne`; extra sources follow it (SET_ROWS: the rows and their indices).
  int view(int of, Shape ne, Sources extra = {}) {
    Tensor t{at(of).type, ne, Op::view, {of}, -1, false, false};
    if (!extra.empty()) t.src = extra, t.src.push_back(of);
    t.view_src = at(of).view_src >= 0 ? at(of).view_src : of;
    return add(std::move(t));
  }
  [[nodiscard]] const Tensor& at(int i) const { return tensors_[static_cast<std::size_t>(i)]; }
  Tensor& at(int i) { return tensors_[static_cast<std::size_t>(i)]; }
  [[nodiscard]] Shape ne(int i) const { return at(i).ne; }  // a copy: adding a tensor moves the others
  [[nodiscard]] std::size_t size() const { return tensors_.size(); }
  [[nodiscard]] const std::vector<int>& nodes() const { return nodes_; }
  [[nodiscard]] const std::vector<int>& leafs() const { return leafs_; }

  // ggml_visit_parents_graph (ggml.c): depth first, sources in order, each tensor once; a tensor
  // without an op is a leaf, the others are nodes in post-order.
  void expand(int t) {
    visited_.resize(tensors_.size(), false);
    std::vector<std::pair<int, std::size_t>>& stack = stack_;
    if (visited_[static_cast<std::size_t>(t)]) return;
    visited_[static_cast<std::size_t>(t)] = true;
    stack.emplace_back(t, 0);
    while (!stack.empty()) {
      auto& [cur, next] = stack.back();
      const Tensor& c = at(cur);
      if (next < c.src.size()) {
        const int s = c.src[next++];
        if (!visited_[static_cast<std::size_t>(s)]) {
          visited_[static_cast<std::size_t>(s)] = true;
          stack.emplace_back(s, 0);
        }
        continue;
      }
      (c.op == Op::none ? leafs_ : nodes_).push_back(cur);
      stack.pop_back();
    }
  }

 private:
  int add(Tensor t) {
    tensors_.push_back(std::move(t));
    return static_cast<int>(tensors_.size()) - 1;
  }
  std::vector<Tensor> tensors_;
  std::vector<int> nodes_, leafs_;
  std::vector<bool> visited_;
  std::vector<std::pair<int, std::size_t>> stack_;  // expand()'s, kept between calls
};

// ggml_dyn_tallocr with one chunk (a CPU buffer has no size limit): best fit among the free blocks
// but the last, else the last, which grows the buffer; freed blocks merge with their neighbours.
class DynAllocator {
 public:
  explicit DynAllocator(std::int64_t alignment) : align_(alignment) { blocks_.push_back({0, kUnbounded}); }
  [[nodiscard]] std::int64_t pad(std::int64_t n) const { return (n + align_ - 1) / align_ * align_; }
  [[nodiscard]] std::int64_t max_size() const { return max_size_; }

  std::int64_t alloc(std::int64_t size) {
    size = pad(size);
    std::size_t best = blocks_.size() - 1;  // the last block, unless another fits
    std::int64_t best_size = kUnbounded;
    for (std::size_t i = 0; i + 1 < blocks_.size(); ++i)
      if (blocks_[i].size >= size && blocks_[i].size <= best_size) best = i, best_size = blocks_[i].size;
    Block& b = blocks_[best];
    const std::int64_t offset = b.offset;
    b.offset += size;
    b.size -= size;
    if (b.size == 0) blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(best));
    max_size_ = std::max(max_size_, offset + size);
    return offset;
  }

  void free(std::int64_t offset, std::int64_t size) {
    size = pad(size);
    for (std::size_t i = 0; i < blocks_.size(); ++i) {
      Block& b = blocks_[i];
      if (b.offset + b.size == offset) {  // the freed bytes follow this block
        b.size += size;
        if (i + 1 < blocks_.size() && b.offset + b.size == blocks_[i + 1].offset) {
          b.size += blocks_[i + 1].size;
          blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(i + 1));
        }
        return;
      }
      if (offset + size == b.offset) {  // they precede it
        b.offset = offset;
        b.size += size;
        if (i > 0 && blocks_[i - 1].offset + blocks_[i - 1].size == b.offset) {
          blocks_[i - 1].size += b.size;
          blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(i));
        }
        return;
      }
    }
    auto pos = std::find_if(blocks_.begin(), blocks_.end(), [&](const Block& b) { return b.offset >= offset; });
    blocks_.insert(pos, Block{offset, size});
  }

 private:
  struct Block {
    std::int64_t offset, size;
  };
  static constexpr std::int64_t kUnbounded = std::int64_t{1} << 62;
  std::int64_t align_;
  std::int64_t max_size_ = 0;
  std::vector<Block> blocks_;
};

// ggml_gallocr_alloc_graph_impl: the graph's inputs first (leafs, then inputs met as nodes or sources),
// then every node after its sources, each parent freed after its last child or view; a node of an op
// that can run in place takes the memory of a parent that has no other child and no view. Views get
// no memory and are never "own" tensors, so a parent that is a view is never reused. Graph outputs
// are never freed. Returns the buffer's size.
inline std::int64_t reserve(const Graph& g, std::int64_t alignment) {
  struct Node {
    int children = 0, views = 0;
    std::int64_t offset = 0;
    bool allocated = false;
  };
  std::vector<Node> h(g.size());
  DynAllocator a(alignment);
  auto hn = [&](int t) -> Node& { return h[static_cast<std::size_t>(t)]; };
  auto allocate = [&](int t) {
    const Tensor& x = g.at(t);
    Node& n = hn(t);
    if (x.type == Type::weight || n.allocated || x.view_src >= 0) return;
    n.allocated = true;
    if (can_inplace(x.op)) {
      for (int p : x.src) {
        const Tensor& pt = g.at(p);
        Node& pn = hn(p);
        if (!pn.allocated || pt.output || pt.type != x.type || pt.ne != x.ne) continue;
        if (pn.children != 1 || pn.views != 0) continue;
        n.offset = pn.offset;
        pn.allocated = false;
        return;
      }
    }
    n.offset = a.alloc(x.bytes());
  };
  auto release = [&](int t) {
    if (g.at(t).output) return;
    a.free(hn(t).offset, g.at(t).bytes());
    hn(t).allocated = false;
  };

  for (int leaf : g.leafs()) allocate(leaf);
  for (int node : g.nodes()) {
    const Tensor& x = g.at(node);
    if (x.view_src >= 0) ++hn(x.view_src).views;
    if (x.input) allocate(node);
    for (int s : x.src) {
      ++hn(s).children;
      if (g.at(s).input) allocate(s);
    }
  }
  for (int node : g.nodes()) {
    const Tensor& x = g.at(node);
    for (int s : x.src) allocate(s);
    allocate(node);
    for (int p : x.src) {
      Node& pn = hn(p);
      if (--pn.children != 0 || pn.views != 0) continue;
      const int root = g.at(p).view_src;
      if (root >= 0) {
        Node& rn = hn(root);
        if (--rn.views == 0 && rn.children == 0 && rn.allocated) release(root);
      } else if (pn.allocated) {
        release(p);
      }
    }
  }
  return a.max_size();
}

}  // namespace vramfit::ggml
