#pragma once
// Lets a coroutine wait for work that finishes through a plain callback on another thread (the
// blocking pool, the store's writer thread). The coroutine resumes on its own executor (its
// connection's strand), never on the thread that fired the callback.
#include <functional>
#include <memory>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace kq::net {

// `start` receives a std::function<void(T)> and must call it exactly once.
//
// Deliberately not a coroutine itself: GCC 12 mishandles class-type parameters moved into a
// coroutine frame (strings come out pointing into the old frame), so the callable travels inside
// the deferred initiation that async_initiate builds instead.
template <class T, class Start>
auto await_callback(Start start) {
  namespace asio = boost::asio;
  return asio::async_initiate<const asio::use_awaitable_t<>, void(T)>(
      [](auto handler, Start begin) {
        auto executor = asio::get_associated_executor(handler);
        // The handler is move-only; std::function needs a copyable callable.
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        begin(std::function<void(T)>([shared, executor](T value) {
          asio::post(executor, [shared, value = std::move(value)]() mutable {
            std::move (*shared)(std::move(value));
          });
        }));
      },
      asio::use_awaitable, std::move(start));
}

}  // namespace kq::net
