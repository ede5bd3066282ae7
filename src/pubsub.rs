//! Messages between replicas over Redis publish/subscribe: the search change announcements
//! (`search::sync`) and token revocations (`auth::cache`). Best effort by design: a message lost
//! while Redis is away is made good by what each user of it falls back on (the follower's poll,
//! the token cache's short life), so publishing never waits for Redis and never fails a request.

use std::time::Duration;

use futures_util::StreamExt;

/// How long one publish may take before it is given up.
const PUBLISH_DEADLINE: Duration = Duration::from_secs(1);

/// How long connecting and subscribing may take before it is tried again.
const SUBSCRIBE_DEADLINE: Duration = Duration::from_secs(5);

/// Publishes `message` on `channel` in the background (never awaited by the caller), bounded so
/// that an outage does not pile up waiting publishes either.
pub fn publish(conn: &redis::aio::ConnectionManager, channel: &str, message: String) {
    let Ok(handle) = tokio::runtime::Handle::try_current() else { return };
    let (mut conn, channel) = (conn.clone(), channel.to_string());
    handle.spawn(async move {
        let mut cmd = redis::cmd("PUBLISH");
        cmd.arg(&channel).arg(&message);
        match tokio::time::timeout(PUBLISH_DEADLINE, cmd.query_async::<i64>(&mut conn)).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::debug!(error = %e, channel, "could not publish on Redis"),
            Err(_) => tracing::debug!(channel, "publishing on Redis timed out"),
        }
    });
}

/// Subscribes to `channel` for as long as the process runs, reconnecting on loss: `on_subscribed`
/// runs each time the subscription is (re)established — whatever was published meanwhile was
/// missed — and `on_message` for each message.
pub async fn subscribe(url: String, channel: String, on_subscribed: impl Fn(), on_message: impl Fn(&str)) {
    loop {
        let result: redis::RedisResult<()> = async {
            let client = redis::Client::open(url.as_str())?;
            // Bounded: a Redis that accepts and never answers must not hold the listener forever.
            let subscribed = tokio::time::timeout(SUBSCRIBE_DEADLINE, async {
                let mut pubsub = client.get_async_pubsub().await?;
                pubsub.subscribe(&channel).await?;
                Ok::<_, redis::RedisError>(pubsub)
            })
            .await;
            let mut pubsub = match subscribed {
                Ok(r) => r?,
                Err(_) => return Err(redis::RedisError::from((redis::ErrorKind::Io, "no answer while subscribing"))),
            };
            on_subscribed();
            let mut messages = pubsub.on_message();
            while let Some(m) = messages.next().await {
                on_message(&m.get_payload::<String>().unwrap_or_default());
            }
            Ok(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, channel, "Redis channel lost; reconnecting");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
