//! Rules management: add (with a dry run first), list, stream the matches, delete.
//!
//! ```text
//! cargo run -p tweetstream --example rules
//! ```

#[path = "support/mod.rs"]
mod support;

use futures_util::StreamExt;
use tweetstream::{AsyncStreamingClient, Event, RuleSelector, StreamParams, StreamRule};

#[tokio::main]
async fn main() -> Result<(), tweetstream::Error> {
    let target = support::target().await;
    let client = AsyncStreamingClient::builder(target.bearer_token.as_str())
        .api_base(&target.api_base)
        .build()?;

    let rules = [
        StreamRule::tagged("cat OR kitten", "cats"),
        StreamRule::tagged("dog -is:retweet", "dogs"),
    ];
    let check = client.add_rules(rules.clone(), true).await?;
    println!("dry run: {:?}", check.meta.summary);
    let added = client.add_rules(rules, false).await?;
    for e in &added.errors {
        println!("not added: {:?} {:?}", e.title, e.extra_str("value"));
    }
    for r in client.get_rules(&[] as &[&str]).await?.data {
        println!(
            "rule {} {:?} [{}]",
            r.id.unwrap_or_default(),
            r.value,
            r.tag.unwrap_or_default()
        );
    }

    let mut stream = client.filter(StreamParams::new())?;
    let mut n = 0;
    while let Some(item) = stream.next().await {
        if let Ok(Event::Message(m)) = item {
            let tags: Vec<_> = m
                .matching_rules
                .iter()
                .filter_map(|r| r.tag.clone())
                .collect();
            println!(
                "{:?} {}",
                tags,
                m.data
                    .as_ref()
                    .map(|t| t.text.replace('\n', " "))
                    .unwrap_or_default()
            );
            n += 1;
            if n >= support::limit(5) {
                client.disconnect();
            }
        }
    }

    let deleted = client
        .delete_rules(
            RuleSelector::values(["cat OR kitten", "dog -is:retweet"]),
            false,
        )
        .await?;
    println!("deleted: {:?}", deleted.meta.summary.map(|s| s.deleted));
    Ok(())
}
