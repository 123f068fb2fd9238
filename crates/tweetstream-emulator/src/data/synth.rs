//! The seeded synthetic tweet generator.
//!
//! Builds a pool of users and `n` base tweets once (originals in eight languages with
//! hashtags, cashtags, mentions, links, photos, videos, GIFs, polls, places and coordinates;
//! replies, retweets and quotes of earlier tweets). Everything is derived from one
//! `StdRng::seed_from_u64(seed)`, so the same seed gives the same corpus.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use super::model::{
    Corpus, EditControls, Entities, MediaRec, MentionEnt, PlaceRec, PollRec, RefKind, TagEnt,
    TweetMetrics, TweetRec, UrlEnt, UserMetrics, UserRec,
};

/// Twitter's snowflake epoch (ms).
const TWEPOCH: i64 = 1_288_834_974_657;
/// 2024-03-01T00:00:00Z: the first synthetic tweet.
const START_MS: i64 = 1_709_251_200_000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Topic {
    Cat,
    Dog,
    Rust,
    Music,
    News,
    Weather,
    Food,
    Sport,
    Tech,
    Travel,
    Finance,
    Misc,
}

use Topic::*;

struct Lang {
    code: &'static str,
    weight: u32,
    sentences: &'static [(&'static str, Topic)],
    replies: &'static [&'static str],
    quotes: &'static [&'static str],
    /// Hashtags in the language (besides the topic's English tags).
    tags: &'static [&'static str],
    /// Indices into `PLACES`.
    places: &'static [usize],
    locations: &'static [&'static str],
    /// (display first name, handle stem)
    names: &'static [(&'static str, &'static str)],
    surnames: &'static [(&'static str, &'static str)],
    bios: &'static [&'static str],
    alt: &'static str,
}

const LANGS: &[Lang] = &[
    Lang {
        code: "en",
        weight: 45,
        sentences: &[
            ("My cat knocked my coffee off the desk again ☕🐈", Cat),
            ("The cat has claimed my keyboard, so no work today 😹", Cat),
            (
                "Adopted a rescue cat this weekend and I'm completely in love",
                Cat,
            ),
            ("Why does my cat only sit on the one paper I need?", Cat),
            ("Cat tax: here is my cat judging me from the bookshelf", Cat),
            ("Walking the dog before the rain starts 🐕", Dog),
            ("Dog park was packed this afternoon, so many good boys", Dog),
            ("My dog just learned to open the fridge. Send help.", Dog),
            ("Nothing beats coming home to a happy dog 🐶", Dog),
            (
                "Finally rewrote the parser in Rust and it is 10x faster 🦀",
                Rust,
            ),
            (
                "The borrow checker and I have reached an understanding",
                Rust,
            ),
            (
                "New Rust release is out, time to update the toolchain",
                Rust,
            ),
            (
                "Spent the afternoon chasing a lifetime error in Rust. Worth it.",
                Rust,
            ),
            ("Async Rust finally clicked for me today", Rust),
            (
                "This new album is the best music I've heard all year 🎶",
                Music,
            ),
            ("Live music downtown tonight, who's coming?", Music),
            ("Can't stop listening to this song on repeat 🎧", Music),
            (
                "Practicing guitar every evening, my neighbors love the music",
                Music,
            ),
            (
                "Breaking news: the city council approved the new bike lanes",
                News,
            ),
            ("Reading the morning news with a croissant 🥐", News),
            ("The news today is wild, I need a break", News),
            (
                "Local news: the bakery on 5th street finally reopened",
                News,
            ),
            (
                "Weather update: sunny with a chance of more sun ☀️",
                Weather,
            ),
            ("It's snowing in April. Again. ❄️", Weather),
            ("Best tacos in town, no debate 🌮", Food),
            ("Homemade pizza night 🍕", Food),
            ("What a game last night! ⚽", Sport),
            ("Just finished a 10k run, feeling great 🏃", Sport),
            ("Shipping a new feature on a Friday, wish me luck", Tech),
            ("Our API now streams posts in real time", Tech),
            ("Landed in Tokyo, first stop: ramen 🍜", Travel),
            (
                "Paris in the spring is everything they said it would be",
                Travel,
            ),
            ("Watching {C} closely today 📈", Finance),
            ("Big day for {C} and {C}", Finance),
            ("{C} earnings beat expectations", Finance),
            ("Good morning! Coffee first, then emails.", Misc),
            ("Monday again? Already?", Misc),
        ],
        replies: &[
            "Totally agree!",
            "Haha, same here 😂",
            "Where was this taken?",
            "That's great news!",
            "My dog does exactly the same thing",
            "Congrats! 🎉",
            "Source?",
            "This is the way",
            "Love this music",
        ],
        quotes: &[
            "This 👇",
            "So true",
            "Can't believe this",
            "Everyone should read this",
            "Look at this cat 😹",
            "Big if true",
        ],
        tags: &["TBT", "goodvibes"],
        places: &[0, 1, 2, 12],
        locations: &[
            "San Francisco, CA",
            "New York",
            "London",
            "Seattle, WA",
            "Austin, TX",
            "the internet",
        ],
        names: &[
            ("James", "james"),
            ("Emma", "emma"),
            ("Olivia", "olivia"),
            ("Liam", "liam"),
            ("Noah", "noah"),
            ("Ava", "ava"),
            ("Sophia", "sophia"),
            ("Mason", "mason"),
            ("Mia", "mia"),
            ("Ethan", "ethan"),
            ("Chloe", "chloe"),
            ("Lucas", "lucas"),
        ],
        surnames: &[
            ("Smith", "smith"),
            ("Johnson", "johnson"),
            ("Brown", "brown"),
            ("Lee", "lee"),
            ("Walker", "walker"),
            ("Carter", "carter"),
            ("Nguyen", "nguyen"),
            ("Patel", "patel"),
            ("Kim", "kim"),
            ("Garcia", "garcia"),
        ],
        bios: &[
            "Cat person. Coffee enthusiast. Opinions are my own.",
            "Rustacean 🦀 | building things that stream",
            "Music lover 🎶 | drummer | vinyl collector",
            "Journalist covering local news",
            "Dog mom 🐶 | runner | foodie",
            "",
        ],
        alt: "A photo shared by the author",
    },
    Lang {
        code: "ja",
        weight: 15,
        sentences: &[
            ("今日は猫と一緒にのんびり過ごしています🐱", Cat),
            ("うちの猫がキーボードの上で寝てる😹", Cat),
            ("犬の散歩に行ってきます🐕", Dog),
            ("朝から犬が元気すぎる", Dog),
            ("新しい音楽を聴きながら作業中🎧", Music),
            ("ライブ最高だった！また行きたい🎶", Music),
            ("ニュースを見て驚いた", News),
            ("今日のニュース、明るい話題が多くて嬉しい", News),
            ("Rustの勉強を始めました🦀", Rust),
            ("所有権がやっと分かってきた。Rust楽しい", Rust),
            ("東京は今日も暑いですね☀️", Weather),
            ("ラーメン食べたい🍜", Food),
            ("おはようございます！今日も一日頑張ろう", Misc),
        ],
        replies: &[
            "わかる！",
            "それな😂",
            "おめでとうございます🎉",
            "かわいい！",
        ],
        quotes: &["これすごい", "まさにこれ", "見て👇"],
        tags: &["猫", "音楽", "ニュース", "おはようVtuber"],
        places: &[3, 4],
        locations: &["東京", "大阪", "日本", "福岡"],
        names: &[
            ("由美", "yumi"),
            ("健太", "kenta"),
            ("翔太", "shota"),
            ("美咲", "misaki"),
            ("陽菜", "hina"),
            ("大輝", "daiki"),
            ("さくら", "sakura"),
            ("蓮", "ren"),
        ],
        surnames: &[("🌸", "jp"), ("🍙", "tokyo"), ("", "dev"), ("", "music")],
        bios: &[
            "猫と音楽が好きです🐱🎶",
            "エンジニア / Rust / コーヒー",
            "ニュースを毎日チェック",
            "",
        ],
        alt: "投稿者が共有した写真",
    },
    Lang {
        code: "es",
        weight: 10,
        sentences: &[
            ("Mi perro duerme todo el día 🐶", Dog),
            ("Mi gato odia los lunes 😾", Cat),
            ("Escuchando música en el metro 🎵", Music),
            ("Las noticias de hoy son increíbles", News),
            ("Aprendiendo Rust este fin de semana 🦀", Rust),
            ("¡Qué calor hace en Madrid hoy! ☀️", Weather),
            ("Buenos días, café y a trabajar ☕", Misc),
            ("Vigilando {C} de cerca hoy 📈", Finance),
            ("Los mejores tacos de la ciudad 🌮", Food),
        ],
        replies: &[
            "¡Totalmente de acuerdo!",
            "Jajaja, igual 😂",
            "¡Qué bonito!",
        ],
        quotes: &["Esto 👇", "Muy cierto"],
        tags: &["BuenosDías", "música"],
        places: &[7, 8],
        locations: &["Madrid", "CDMX", "Buenos Aires", "Barcelona"],
        names: &[
            ("Sofía", "sofia"),
            ("Mateo", "mateo"),
            ("Lucía", "lucia"),
            ("Diego", "diego"),
            ("Valentina", "vale"),
        ],
        surnames: &[
            ("García", "garcia"),
            ("López", "lopez"),
            ("Martínez", "mtz"),
            ("Hernández", "hdz"),
            ("Ruiz", "ruiz"),
        ],
        bios: &[
            "Amante de los perros 🐶 y la música",
            "Periodista. Noticias y café.",
            "",
        ],
        alt: "Una foto compartida por el autor",
    },
    Lang {
        code: "fr",
        weight: 7,
        sentences: &[
            ("Mon chat dort sur le clavier 🐈", Cat),
            ("Mon chien adore la neige ❄️", Dog),
            ("Nouvelle musique ce soir au café 🎶", Music),
            ("Les infos du matin sont déprimantes", News),
            ("Paris sous la pluie, comme toujours ☔", Travel),
            ("J'apprends Rust et j'adore ça 🦀", Rust),
            ("Bonjour tout le monde ! ☕", Misc),
        ],
        replies: &["Tellement vrai !", "Haha, pareil 😂", "Magnifique !"],
        quotes: &["Exactement ça", "À lire 👇"],
        tags: &["musique", "Paris"],
        places: &[5],
        locations: &["Paris", "Lyon", "Marseille", "Bruxelles"],
        names: &[
            ("Camille", "camille"),
            ("Louis", "louis"),
            ("Chloé", "chloe"),
            ("Hugo", "hugo"),
            ("Léa", "lea"),
        ],
        surnames: &[
            ("Martin", "martin"),
            ("Bernard", "bernard"),
            ("Dubois", "dubois"),
            ("Moreau", "moreau"),
        ],
        bios: &[
            "Développeur le jour, musicien la nuit",
            "Chats, café et infos",
            "",
        ],
        alt: "Une photo partagée par l'auteur",
    },
    Lang {
        code: "de",
        weight: 6,
        sentences: &[
            ("Mein Hund liebt den Schnee ❄️🐕", Dog),
            ("Meine Katze schläft schon wieder 😴", Cat),
            ("Neue Musik von meiner Lieblingsband 🎸", Music),
            ("Die Nachrichten heute sind verrückt", News),
            ("Berlin ist heute wunderschön", Travel),
            ("Rust macht einfach Spaß 🦀", Rust),
            ("Guten Morgen! Erst mal Kaffee ☕", Misc),
        ],
        replies: &["Genau so!", "Haha, same 😂", "Sehr schön!"],
        quotes: &["Das hier 👇", "So wahr"],
        tags: &["Musik", "Berlin"],
        places: &[6],
        locations: &["Berlin", "München", "Hamburg", "Wien"],
        names: &[
            ("Lukas", "lukas"),
            ("Anna", "anna"),
            ("Leon", "leon"),
            ("Mia", "mia"),
            ("Jonas", "jonas"),
        ],
        surnames: &[
            ("Müller", "mueller"),
            ("Schmidt", "schmidt"),
            ("Schneider", "schneider"),
            ("Weber", "weber"),
        ],
        bios: &[
            "Hundemensch. Kaffee. Berlin.",
            "Softwareentwicklerin 🦀",
            "",
        ],
        alt: "Ein vom Autor geteiltes Foto",
    },
    Lang {
        code: "pt",
        weight: 7,
        sentences: &[
            ("Meu gato acordou de mau humor 😾", Cat),
            ("Meu cachorro é o melhor amigo 🐶", Dog),
            ("Ouvindo música boa no domingo 🎶", Music),
            ("Notícias de hoje: chuva forte em São Paulo", News),
            ("Aprendendo Rust, que linguagem incrível 🦀", Rust),
            ("Bom dia! ☕", Misc),
            ("Que jogo ontem! ⚽", Sport),
        ],
        replies: &["Concordo demais!", "Kkkkk verdade 😂", "Que lindo!"],
        quotes: &["Isso aqui 👇", "Verdade"],
        tags: &["música", "futebol"],
        places: &[9],
        locations: &["São Paulo", "Rio de Janeiro", "Lisboa", "Porto"],
        names: &[
            ("João", "joao"),
            ("Ana", "ana"),
            ("Pedro", "pedro"),
            ("Beatriz", "bia"),
            ("Gabriel", "gabriel"),
        ],
        surnames: &[
            ("Silva", "silva"),
            ("Souza", "souza"),
            ("Oliveira", "oliveira"),
            ("Costa", "costa"),
        ],
        bios: &[
            "Apaixonada por gatos e café ☕",
            "Música, futebol e tecnologia",
            "",
        ],
        alt: "Uma foto compartilhada pelo autor",
    },
    Lang {
        code: "ar",
        weight: 5,
        sentences: &[
            ("صباح الخير! القهوة أولاً ☕", Misc),
            ("قطتي نائمة طوال اليوم 🐈", Cat),
            ("كلبي يحب اللعب في الحديقة 🐕", Dog),
            ("أستمع إلى الموسيقى في الطريق 🎵", Music),
            ("أخبار اليوم مثيرة جداً", News),
            ("الجو جميل في القاهرة اليوم ☀️", Weather),
        ],
        replies: &["أتفق تماماً!", "هههه 😂", "رائع!"],
        quotes: &["هذا 👇", "صحيح"],
        tags: &["موسيقى", "أخبار"],
        places: &[10, 11],
        locations: &["القاهرة", "دبي", "الرياض", "عمّان"],
        names: &[
            ("محمد", "mohamed"),
            ("أحمد", "ahmed"),
            ("فاطمة", "fatima"),
            ("ليلى", "layla"),
            ("عمر", "omar"),
            ("نور", "nour"),
        ],
        surnames: &[("", "eg"), ("", "ae"), ("✨", "x"), ("", "01")],
        bios: &["أحب القهوة والقطط ☕🐈", "أخبار وموسيقى", ""],
        alt: "صورة شاركها الكاتب",
    },
    Lang {
        code: "und",
        weight: 5,
        sentences: &[
            ("😂😂😂", Misc),
            ("🔥🔥🔥", Music),
            ("❤️✨", Misc),
            ("🐈🐈‍⬛", Cat),
            ("🐶🐕", Dog),
            ("🎶🎧", Music),
        ],
        replies: &["😂", "🔥", "❤️"],
        quotes: &["👇👇", "😮"],
        tags: &[],
        places: &[0, 3, 5],
        locations: &["🌍", "everywhere"],
        names: &[("✨", "sparkle"), ("🌙", "moon"), ("☀️", "sunny")],
        surnames: &[("", "x"), ("", "z")],
        bios: &["✨", ""],
        alt: "",
    },
];

fn topic_tags(t: Topic) -> &'static [&'static str] {
    match t {
        Cat => &["cats", "CatsOfTwitter", "cat"],
        Dog => &["dogs", "DogsOfTwitter", "dog"],
        Rust => &["rustlang", "Rust"],
        Music => &["music", "NowPlaying", "newmusic"],
        News => &["news", "BreakingNews"],
        Weather => &["weather"],
        Food => &["foodie", "food"],
        Sport => &["football", "running"],
        Tech => &["tech", "API", "DevOps"],
        Travel => &["travel", "Tokyo", "Paris"],
        Finance => &["stocks", "investing"],
        Misc => &["Monday", "goodmorning"],
    }
}

fn topic_urls(t: Topic) -> &'static [&'static str] {
    match t {
        Cat => &["https://www.example.com/pets/cats/why-cats-sit-on-keyboards"],
        Dog => &["https://www.example.com/pets/dogs/training-tips-for-puppies"],
        Rust => &[
            "https://blog.rust-lang.org/2024/07/25/Rust-1.80.0.html",
            "https://github.com/rust-lang/rust",
            "https://doc.rust-lang.org/book/",
        ],
        Music => &[
            "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        ],
        News => &[
            "https://www.bbc.com/news/world",
            "https://www.example.com/news/2024/03/city-council-bike-lanes",
            "https://www.reuters.com/world/",
        ],
        Tech => &[
            "https://developer.x.com/en/docs/x-api",
            "https://github.com/",
        ],
        Finance => &["https://www.example.com/markets/stocks"],
        _ => &[
            "https://www.example.org/blog/post-1234",
            "https://medium.com/@writer/why-i-love-mornings-1a2b3c",
        ],
    }
}

const CASHTAGS: &[&str] = &["AAPL", "TSLA", "BTC", "ETH", "NVDA", "MSFT", "GOOG", "AMZN"];

const POLLS: &[&[&str]] = &[
    &["Cats", "Dogs"],
    &["Rust", "Go", "Zig", "C++"],
    &["Coffee", "Tea", "Neither"],
    &["Morning person", "Night owl"],
    &["Vinyl", "Streaming", "CDs"],
];

const SOURCES: &[(&str, u32)] = &[
    ("Twitter for iPhone", 40),
    ("Twitter for Android", 30),
    ("Twitter Web App", 20),
    ("TweetDeck Web App", 5),
    ("Buffer", 5),
];

struct PlaceDef {
    id: &'static str,
    name: &'static str,
    full_name: &'static str,
    country: &'static str,
    cc: &'static str,
    kind: &'static str,
    bbox: [f64; 4],
}

const PLACES: &[PlaceDef] = &[
    PlaceDef {
        id: "5a110d312052166f",
        name: "San Francisco",
        full_name: "San Francisco, CA",
        country: "United States",
        cc: "US",
        kind: "city",
        bbox: [-122.514926, 37.708075, -122.357031, 37.833238],
    },
    PlaceDef {
        id: "27485069891a7938",
        name: "New York",
        full_name: "New York, NY",
        country: "United States",
        cc: "US",
        kind: "city",
        bbox: [-74.255641, 40.495865, -73.699793, 40.91533],
    },
    PlaceDef {
        id: "457b4814b4240d87",
        name: "London",
        full_name: "London, England",
        country: "United Kingdom",
        cc: "GB",
        kind: "city",
        bbox: [-0.510375, 51.28676, 0.334015, 51.691874],
    },
    PlaceDef {
        id: "0f4b7e1a9c7d2e61",
        name: "Tokyo",
        full_name: "Tokyo, Japan",
        country: "Japan",
        cc: "JP",
        kind: "admin",
        bbox: [139.562916, 35.523115, 139.918843, 35.817813],
    },
    PlaceDef {
        id: "b8c4a2f0e36d9a15",
        name: "Osaka",
        full_name: "Osaka, Japan",
        country: "Japan",
        cc: "JP",
        kind: "city",
        bbox: [135.383, 34.55, 135.6, 34.76],
    },
    PlaceDef {
        id: "09f6a7707f18e0b1",
        name: "Paris",
        full_name: "Paris, France",
        country: "France",
        cc: "FR",
        kind: "city",
        bbox: [2.224122, 48.815573, 2.46992, 48.902145],
    },
    PlaceDef {
        id: "3078869807f9dd36",
        name: "Berlin",
        full_name: "Berlin, Deutschland",
        country: "Germany",
        cc: "DE",
        kind: "city",
        bbox: [13.088304, 52.338079, 13.760909, 52.675323],
    },
    PlaceDef {
        id: "206e932cc0e89fa2",
        name: "Madrid",
        full_name: "Madrid, España",
        country: "Spain",
        cc: "ES",
        kind: "city",
        bbox: [-3.888954, 40.312064, -3.517916, 40.643454],
    },
    PlaceDef {
        id: "25530ba03b7d90c6",
        name: "Ciudad de México",
        full_name: "Ciudad de México, México",
        country: "Mexico",
        cc: "MX",
        kind: "city",
        bbox: [-99.364924, 19.048237, -98.940303, 19.592757],
    },
    PlaceDef {
        id: "68e019afec7d0ba5",
        name: "São Paulo",
        full_name: "São Paulo, Brasil",
        country: "Brazil",
        cc: "BR",
        kind: "city",
        bbox: [-46.826039, -24.008814, -46.365052, -23.356792],
    },
    PlaceDef {
        id: "1ae8e8a2f4f6c3a1",
        name: "Cairo",
        full_name: "Cairo, Egypt",
        country: "Egypt",
        cc: "EG",
        kind: "city",
        bbox: [31.137, 29.955, 31.467, 30.15],
    },
    PlaceDef {
        id: "00a1d5f9a5b0c9e2",
        name: "Dubai",
        full_name: "Dubai, United Arab Emirates",
        country: "United Arab Emirates",
        cc: "AE",
        kind: "city",
        bbox: [55.0, 24.9, 55.6, 25.4],
    },
    PlaceDef {
        id: "07d9db48bc083000",
        name: "Golden Gate Park",
        full_name: "Golden Gate Park",
        country: "United States",
        cc: "US",
        kind: "poi",
        bbox: [-122.511, 37.7641, -122.4533, 37.7744],
    },
];

/// Well-known accounts: (id, name, username, bio). They post often and are verified.
const FAMOUS: &[(u64, &str, &str, &str)] = &[
    (
        2244994945,
        "Developers",
        "XDevelopers",
        "The voice of the X Developer Platform",
    ),
    (
        14_500_001,
        "Rust News Daily",
        "RustNewsDaily",
        "Daily news about the Rust programming language 🦀",
    ),
    (
        14_500_002,
        "Cat Facts",
        "CatFactsDaily",
        "One cat fact a day. Sometimes more. 🐈",
    ),
    (
        14_500_003,
        "Dog Rates",
        "DogRatesHQ",
        "We rate dogs. They are all good dogs. 🐶",
    ),
    (
        14_500_004,
        "Music Wire",
        "MusicWireNow",
        "New music, every day 🎶",
    ),
    (
        14_500_005,
        "World News Now",
        "WorldNewsNow",
        "Breaking news from around the world",
    ),
];

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn idx(rng: &mut StdRng, len: usize) -> usize {
    if len == 0 {
        0
    } else {
        rng.gen_range(0..len)
    }
}

fn pick<T: Copy + Default>(rng: &mut StdRng, list: &[T]) -> T {
    list.get(idx(rng, list.len())).copied().unwrap_or_default()
}

fn weighted<T: Copy + Default>(rng: &mut StdRng, list: &[(T, u32)]) -> T {
    let total: u32 = list.iter().map(|x| x.1).sum();
    if total == 0 {
        return T::default();
    }
    let mut r = rng.gen_range(0..total);
    for &(x, w) in list {
        if r < w {
            return x;
        }
        r -= w;
    }
    T::default()
}

fn alnum(rng: &mut StdRng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(ALNUM.get(idx(rng, ALNUM.len())).copied().unwrap_or(b'x')))
        .collect()
}

fn chance(rng: &mut StdRng, p: f64) -> bool {
    rng.gen_bool(p.clamp(0.0, 1.0))
}

/// Heavy-tailed count: mostly small, sometimes large.
fn heavy(rng: &mut StdRng, scale: f64) -> u64 {
    let x: f64 = rng.gen_range(0.0..1.0);
    ((x * x * x * x) * scale).floor() as u64
}

fn snowflake(ms: i64, worker: u64, seq: u64) -> u64 {
    let t = (ms - TWEPOCH).max(0) as u64;
    (t << 22) | ((worker & 0x3ff) << 12) | (seq & 0xfff)
}

/// Whether the original Post `id` is a nullcast (promoted-only) Post: about 1 in 100, chosen
/// from the id so that the random sequence, and so every other Post, stays the same.
fn is_promoted_only(id: u64) -> bool {
    (id.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) % 100 == 0
}

/// `display_url` of a link: no scheme, no `www.`, at most 26 characters.
fn display(url: &str) -> String {
    let d = url
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("www.");
    if d.chars().count() > 26 {
        let mut s: String = d.chars().take(25).collect();
        s.push('…');
        s
    } else {
        d.to_string()
    }
}

/// Text builder tracking character offsets for entities.
#[derive(Default)]
struct Tb {
    text: String,
    n: u32,
    ents: Entities,
}

impl Tb {
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.n += s.chars().count() as u32;
    }

    fn space(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with([' ', '\n']) {
            self.push(" ");
        }
    }

    fn hashtag(&mut self, tag: &str) {
        self.space();
        let start = self.n;
        self.push("#");
        self.push(tag);
        self.ents.hashtags.push(TagEnt {
            start,
            end: self.n,
            tag: tag.to_string(),
        });
    }

    fn cashtag(&mut self, tag: &str) {
        let start = self.n;
        self.push("$");
        self.push(tag);
        self.ents.cashtags.push(TagEnt {
            start,
            end: self.n,
            tag: tag.to_string(),
        });
    }

    fn mention(&mut self, u: &UserRec) {
        let start = self.n;
        self.push("@");
        self.push(&u.username);
        self.ents.mentions.push(MentionEnt {
            start,
            end: self.n,
            username: u.username.clone(),
            id: Some(u.id),
        });
    }

    fn link(&mut self, tco: String, expanded: String, display: String, media_key: Option<String>) {
        self.space();
        let start = self.n;
        self.push(&tco);
        self.ents.urls.push(UrlEnt {
            start,
            end: self.n,
            url: tco,
            expanded_url: Some(expanded),
            display_url: Some(display),
            media_key,
            extra: Vec::new(),
        });
    }
}

struct Gen {
    rng: StdRng,
    c: Corpus,
    /// (lang index) per user, parallel to `c.users`.
    user_lang: Vec<usize>,
    /// Tweets that can be replied to / retweeted / quoted: (corpus index, lang index).
    originals: Vec<(u32, usize)>,
}

impl Gen {
    fn lang_index(&mut self) -> usize {
        let weights: Vec<(usize, u32)> = LANGS
            .iter()
            .enumerate()
            .map(|(i, l)| (i, l.weight))
            .collect();
        weighted(&mut self.rng, &weights)
    }

    fn users(&mut self, count: usize) {
        let mut seen = std::collections::HashSet::new();
        for &(id, name, username, bio) in FAMOUS {
            seen.insert(username.to_ascii_lowercase());
            let created = START_MS - 86_400_000 * (3000 + self.rng.gen_range(0..1500));
            let u = UserRec {
                id,
                name: name.to_string(),
                username: username.to_string(),
                created_ms: Some(created),
                description: Some(bio.to_string()),
                location: Some("the internet".to_string()),
                url: Some(format!("https://t.co/{}", alnum(&mut self.rng, 10))),
                protected: Some(false),
                verified: Some(true),
                verified_type: Some(
                    if username == "XDevelopers" {
                        "business"
                    } else {
                        "blue"
                    }
                    .to_string(),
                ),
                profile_image_url: Some(format!(
                    "https://pbs.twimg.com/profile_images/{}/{}_normal.jpg",
                    self.rng
                        .gen_range(1_000_000_000_000_000_000u64..1_800_000_000_000_000_000),
                    alnum(&mut self.rng, 8)
                )),
                profile_banner_url: Some(format!(
                    "https://pbs.twimg.com/profile_banners/{id}/{}",
                    created / 1000
                )),
                metrics: Some(UserMetrics {
                    followers_count: 100_000 + heavy(&mut self.rng, 5_000_000.0),
                    following_count: self.rng.gen_range(10..2000),
                    tweet_count: self.rng.gen_range(5_000..80_000),
                    listed_count: self.rng.gen_range(500..20_000),
                    like_count: Some(self.rng.gen_range(100..10_000)),
                }),
                pinned_tweet_id: None,
                entities: None,
                withheld: None,
                extra: Vec::new(),
                completeness: 1,
            };
            self.add_user_entities(u, 0);
        }
        let mut i = 0u64;
        while self.c.users.len() < count {
            i += 1;
            let li = self.lang_index();
            let lang = &LANGS[li.min(LANGS.len() - 1)];
            let (first, stem) = pick(&mut self.rng, lang.names);
            let (last, last_stem) = pick(&mut self.rng, lang.surnames);
            let name = if last.is_empty() {
                first.to_string()
            } else if last.chars().all(|c| c.is_alphabetic()) {
                format!("{first} {last}")
            } else {
                format!("{first}{last}")
            };
            let mut username = match self.rng.gen_range(0..3) {
                0 => format!("{stem}_{last_stem}"),
                1 => format!("{stem}{}", self.rng.gen_range(1..9999)),
                _ => format!("{stem}{last_stem}"),
            };
            username.truncate(15);
            if !seen.insert(username.to_ascii_lowercase()) {
                username = format!("{stem}{i}");
                username.truncate(15);
                if !seen.insert(username.to_ascii_lowercase()) {
                    username = format!("u{i}");
                    seen.insert(username.clone());
                }
            }
            let years = self.rng.gen_range(0.5..17.0);
            let created = START_MS - (years * 365.25 * 86_400_000.0) as i64
                + self.rng.gen_range(0..86_400_000);
            let id = if created < 1_420_070_400_000 {
                // Before 2015: classic sequential ids.
                self.rng.gen_range(10_000_000u64..3_000_000_000)
            } else {
                snowflake(
                    created,
                    self.rng.gen_range(0..1024),
                    self.rng.gen_range(0..4096),
                )
            };
            let verified = chance(&mut self.rng, 0.04);
            let followers = heavy(&mut self.rng, 200_000.0) + self.rng.gen_range(0..300);
            let has_url = chance(&mut self.rng, 0.3);
            let u = UserRec {
                id,
                name,
                username,
                created_ms: Some(created),
                description: Some(pick(&mut self.rng, lang.bios).to_string()),
                location: if chance(&mut self.rng, 0.7) {
                    Some(pick(&mut self.rng, lang.locations).to_string())
                } else {
                    None
                },
                url: Some(if has_url {
                    format!("https://t.co/{}", alnum(&mut self.rng, 10))
                } else {
                    String::new()
                }),
                protected: Some(chance(&mut self.rng, 0.02)),
                verified: Some(verified),
                verified_type: Some(if verified { "blue" } else { "none" }.to_string()),
                profile_image_url: Some(format!(
                    "https://pbs.twimg.com/profile_images/{}/{}_normal.jpg",
                    self.rng
                        .gen_range(1_000_000_000_000_000_000u64..1_800_000_000_000_000_000),
                    alnum(&mut self.rng, 8)
                )),
                profile_banner_url: if chance(&mut self.rng, 0.5) {
                    Some(format!(
                        "https://pbs.twimg.com/profile_banners/{id}/{}",
                        created / 1000
                    ))
                } else {
                    None
                },
                metrics: Some(UserMetrics {
                    followers_count: followers,
                    following_count: self.rng.gen_range(0..3000),
                    tweet_count: heavy(&mut self.rng, 60_000.0) + 1,
                    listed_count: followers / 200,
                    like_count: Some(heavy(&mut self.rng, 100_000.0)),
                }),
                pinned_tweet_id: None,
                entities: None,
                withheld: None,
                extra: Vec::new(),
                completeness: 1,
            };
            self.add_user_entities(u, li);
        }
    }

    /// Add the user with `entities.url` for its t.co profile link.
    fn add_user_entities(&mut self, mut u: UserRec, li: usize) {
        if self.c.user_index(u.id).is_some() {
            return;
        }
        if let Some(url) = u.url.clone().filter(|x| !x.is_empty()) {
            let expanded = format!(
                "https://www.example.com/{}",
                u.username.to_ascii_lowercase()
            );
            let end = url.chars().count();
            u.entities = Some(json!({
                "url": {"urls": [{"start": 0, "end": end, "url": url, "expanded_url": expanded, "display_url": display(&expanded)}]},
            }));
        }
        self.user_lang.push(li);
        self.c.add_user(u);
    }

    /// An author: heavy users (low indices) post more.
    fn author(&mut self) -> usize {
        let n = self.c.users.len().max(1);
        let x: f64 = self.rng.gen_range(0.0..1.0);
        (((x * x) * n as f64) as usize).min(n - 1)
    }

    fn metrics(&mut self, scale: f64) -> TweetMetrics {
        let likes = heavy(&mut self.rng, scale);
        TweetMetrics {
            retweet_count: likes / 5 + heavy(&mut self.rng, 3.0),
            reply_count: likes / 10 + heavy(&mut self.rng, 3.0),
            like_count: likes,
            quote_count: likes / 30,
            impression_count: likes * 40 + self.rng.gen_range(0..500),
            bookmark_count: likes / 20,
        }
    }

    fn base_tweet(&mut self, id: u64, ms: i64, author: &UserRec) -> TweetRec {
        let filter_level = weighted(&mut self.rng, &[("none", 25), ("low", 60), ("medium", 15)]);
        let reply_settings = weighted(
            &mut self.rng,
            // `mentionedUsers` exists too, but X's own OpenAPI pattern (^[A-Za-z]{1,12}$)
            // rejects it, so the generator avoids it.
            &[("everyone", 95), ("following", 3), ("verified", 2)],
        );
        TweetRec {
            id,
            author_id: author.id,
            created_ms: Some(ms),
            source: Some(weighted(&mut self.rng, SOURCES).to_string()),
            reply_settings: Some(reply_settings.to_string()),
            filter_level: Some(filter_level.to_string()),
            possibly_sensitive: Some(chance(&mut self.rng, 0.02)),
            edit_controls: Some(EditControls {
                is_edit_eligible: true,
                editable_until_ms: ms + 1_800_000,
                edits_remaining: 5,
            }),
            ..TweetRec::default()
        }
    }

    /// Fill text and entities of an original tweet or a quote.
    fn compose(&mut self, li: usize, t: &mut TweetRec, quote_text: bool) -> Topic {
        let lang = &LANGS[li.min(LANGS.len() - 1)];
        let mut tb = Tb::default();
        let (sentence, topic) = if quote_text {
            (pick(&mut self.rng, lang.quotes), Misc)
        } else {
            lang.sentences
                .get(idx(&mut self.rng, lang.sentences.len()))
                .copied()
                .unwrap_or(("…", Misc))
        };
        for (k, part) in sentence.split("{C}").enumerate() {
            if k > 0 {
                let c = pick(&mut self.rng, CASHTAGS);
                tb.cashtag(c);
            }
            tb.push(part);
        }
        if topic == Finance && tb.ents.cashtags.is_empty() {
            tb.push(" ");
            tb.cashtag(pick(&mut self.rng, CASHTAGS));
        }
        // Mentions.
        if chance(&mut self.rng, 0.12) {
            let ui = self.author();
            if let Some(u) = self.c.users.get(ui).cloned() {
                tb.push(if lang.code == "en" { " cc " } else { " " });
                tb.mention(&u);
            }
        }
        // Hashtags.
        if chance(&mut self.rng, 0.4) {
            let tag = if !lang.tags.is_empty() && chance(&mut self.rng, 0.3) {
                pick(&mut self.rng, lang.tags)
            } else {
                pick(&mut self.rng, topic_tags(topic))
            };
            tb.hashtag(tag);
            if chance(&mut self.rng, 0.3) {
                let tag2 = pick(&mut self.rng, topic_tags(topic));
                if tag2 != tag {
                    tb.hashtag(tag2);
                }
            }
        }
        // A link.
        if chance(&mut self.rng, 0.12) {
            let expanded = pick(&mut self.rng, topic_urls(topic)).to_string();
            let tco = format!("https://t.co/{}", alnum(&mut self.rng, 10));
            let disp = display(&expanded);
            tb.link(tco, expanded, disp, None);
        }
        t.text = tb.text;
        t.entities = tb.ents;
        t.lang = Some(lang.code.to_string());
        topic
    }

    fn attach_media(&mut self, t: &mut TweetRec, username: &str, li: usize) {
        let r: f64 = self.rng.gen_range(0.0..1.0);
        let (kind, count) = if r < 0.14 {
            (
                "photo",
                if chance(&mut self.rng, 0.8) {
                    1
                } else {
                    self.rng.gen_range(2..=4)
                },
            )
        } else if r < 0.17 {
            ("video", 1)
        } else if r < 0.185 {
            ("animated_gif", 1)
        } else {
            return;
        };
        let ms = t.created_ms.unwrap_or(START_MS) - self.rng.gen_range(1_000..60_000);
        let mut keys = Vec::new();
        for k in 0..count {
            let mid = snowflake(ms, self.rng.gen_range(0..1024), k);
            let m = match kind {
                "photo" => {
                    let (w, h) = pick(
                        &mut self.rng,
                        &[(1200u64, 800u64), (1080, 1350), (2048, 1536), (1080, 1080)],
                    );
                    let lang = &LANGS[li.min(LANGS.len() - 1)];
                    MediaRec {
                        key: format!("3_{mid}"),
                        kind: "photo".into(),
                        url: Some(format!(
                            "https://pbs.twimg.com/media/{}.jpg",
                            alnum(&mut self.rng, 15)
                        )),
                        width: Some(w),
                        height: Some(h),
                        alt_text: (chance(&mut self.rng, 0.3) && !lang.alt.is_empty())
                            .then(|| lang.alt.to_string()),
                        ..MediaRec::default()
                    }
                }
                "video" => {
                    let dur = self.rng.gen_range(5_000..120_000);
                    let r1 = alnum(&mut self.rng, 16);
                    MediaRec {
                        key: format!("7_{mid}"),
                        kind: "video".into(),
                        preview_image_url: Some(format!(
                            "https://pbs.twimg.com/ext_tw_video_thumb/{mid}/pu/img/{}.jpg",
                            alnum(&mut self.rng, 16)
                        )),
                        width: Some(1280),
                        height: Some(720),
                        duration_ms: Some(dur),
                        view_count: Some(heavy(&mut self.rng, 500_000.0)),
                        variants: Some(json!([
                            {"bit_rate": 2_176_000, "content_type": "video/mp4",
                             "url": format!("https://video.twimg.com/ext_tw_video/{mid}/pu/vid/1280x720/{r1}.mp4?tag=12")},
                            {"content_type": "application/x-mpegURL",
                             "url": format!("https://video.twimg.com/ext_tw_video/{mid}/pu/pl/{r1}.m3u8?tag=12")},
                            {"bit_rate": 832_000, "content_type": "video/mp4",
                             "url": format!("https://video.twimg.com/ext_tw_video/{mid}/pu/vid/640x360/{r1}.mp4?tag=12")},
                        ])),
                        ..MediaRec::default()
                    }
                }
                _ => {
                    let r1 = alnum(&mut self.rng, 15);
                    MediaRec {
                        key: format!("16_{mid}"),
                        kind: "animated_gif".into(),
                        preview_image_url: Some(format!(
                            "https://pbs.twimg.com/tweet_video_thumb/{r1}.jpg"
                        )),
                        width: Some(480),
                        height: Some(270),
                        variants: Some(json!([
                            {"bit_rate": 0, "content_type": "video/mp4",
                             "url": format!("https://video.twimg.com/tweet_video/{r1}.mp4")},
                        ])),
                        ..MediaRec::default()
                    }
                }
            };
            keys.push(m.key.clone());
            self.c.add_media(m);
        }
        let Some(first) = keys.first().cloned() else {
            return;
        };
        // The media link at the end of the text (outside display_text_range).
        let shown = t.text.chars().count() as u32;
        let code = alnum(&mut self.rng, 10);
        let path = if kind == "photo" { "photo" } else { "video" };
        let mut tb = Tb {
            text: std::mem::take(&mut t.text),
            n: shown,
            ents: std::mem::take(&mut t.entities),
        };
        tb.link(
            format!("https://t.co/{code}"),
            format!("https://x.com/{username}/status/{}/{path}/1", t.id),
            format!("pic.x.com/{code}"),
            Some(first),
        );
        t.text = tb.text;
        t.entities = tb.ents;
        let start = t.display_text_range.map(|r| r[0]).unwrap_or(0);
        t.display_text_range = Some([start, shown]);
        t.media_keys = keys;
    }

    fn attach_place(&mut self, t: &mut TweetRec, li: usize) {
        if !chance(&mut self.rng, 0.09) {
            return;
        }
        let lang = &LANGS[li.min(LANGS.len() - 1)];
        let pi = pick(&mut self.rng, lang.places);
        let Some(p) = PLACES.get(pi) else { return };
        self.c.add_place(PlaceRec {
            id: p.id.into(),
            full_name: p.full_name.into(),
            name: Some(p.name.into()),
            country: Some(p.country.into()),
            country_code: Some(p.cc.into()),
            place_type: Some(p.kind.into()),
            bbox: Some(p.bbox),
            contained_within: None,
            extra: Vec::new(),
        });
        t.place_id = Some(p.id.into());
        if chance(&mut self.rng, 0.45) {
            let [w, s, e, n] = p.bbox;
            let lon = w + (e - w) * self.rng.gen_range(0.05..0.95);
            let lat = s + (n - s) * self.rng.gen_range(0.05..0.95);
            // Six decimals, like real traffic.
            t.coordinates = Some([(lon * 1e6).round() / 1e6, (lat * 1e6).round() / 1e6]);
        }
    }

    fn attach_poll(&mut self, t: &mut TweetRec) {
        if !t.media_keys.is_empty() || !chance(&mut self.rng, 0.03) {
            return;
        }
        let opts = pick(&mut self.rng, POLLS);
        let duration = pick(&mut self.rng, &[60u64, 1440, 4320, 10080]);
        let created = t.created_ms.unwrap_or(START_MS);
        let end = created + duration as i64 * 60_000;
        let poll = PollRec {
            id: t.id.wrapping_sub(7_000_000),
            options: opts
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    (
                        i as u64 + 1,
                        (*l).to_string(),
                        heavy(&mut self.rng, 5_000.0),
                    )
                })
                .collect(),
            duration_minutes: Some(duration),
            end_ms: Some(end),
            voting_status: Some(if duration <= 60 { "closed" } else { "open" }.to_string()),
        };
        t.poll_ids = vec![poll.id];
        self.c.add_poll(poll);
    }

    fn original(&mut self, mut t: TweetRec, ui: usize, quote_of: Option<u64>) -> TweetRec {
        let li = self.speaking(ui);
        let username = self
            .c
            .users
            .get(ui)
            .map(|u| u.username.clone())
            .unwrap_or_default();
        let scale = if ui < FAMOUS.len() { 20_000.0 } else { 300.0 };
        self.compose(li, &mut t, quote_of.is_some());
        t.display_text_range = Some([0, t.text.chars().count() as u32]);
        if let Some(q) = quote_of {
            t.refs.push((RefKind::Quoted, q));
        } else {
            self.attach_poll(&mut t);
            if is_promoted_only(t.id) {
                // A nullcast Post: X marks it `"scopes": {"followers": false}`.
                t.extra
                    .push(("scopes".to_string(), json!({ "followers": false })));
            }
        }
        if t.poll_ids.is_empty() {
            self.attach_media(&mut t, &username, li);
        }
        self.attach_place(&mut t, li);
        t.metrics = Some(self.metrics(scale));
        t
    }

    /// Language of a new tweet by user `ui`: mostly the user's own.
    fn speaking(&mut self, ui: usize) -> usize {
        if chance(&mut self.rng, 0.85) {
            self.user_lang.get(ui).copied().unwrap_or(0)
        } else {
            self.lang_index()
        }
    }

    fn reply(
        &mut self,
        mut t: TweetRec,
        ui: usize,
        parent: &TweetRec,
        parent_lang: usize,
    ) -> TweetRec {
        let li = if chance(&mut self.rng, 0.7) {
            parent_lang
        } else {
            self.speaking(ui)
        };
        let lang = &LANGS[li.min(LANGS.len() - 1)];
        let parent_user = self.c.user(parent.author_id).cloned().unwrap_or_default();
        let mut tb = Tb::default();
        tb.mention(&parent_user);
        tb.push(" ");
        let shown_from = tb.n;
        tb.push(pick(&mut self.rng, lang.replies));
        if chance(&mut self.rng, 0.15) {
            tb.hashtag(pick(&mut self.rng, topic_tags(Misc)));
        }
        t.display_text_range = Some([shown_from, tb.n]);
        t.text = tb.text;
        t.entities = tb.ents;
        t.lang = Some(lang.code.to_string());
        t.in_reply_to_user_id = Some(parent.author_id);
        t.in_reply_to_screen_name = Some(parent_user.username.clone());
        t.refs.push((RefKind::RepliedTo, parent.id));
        t.conversation_id = Some(parent.conversation_id.unwrap_or(parent.id));
        t.metrics = Some(self.metrics(30.0));
        let username = self
            .c
            .users
            .get(ui)
            .map(|u| u.username.clone())
            .unwrap_or_default();
        if chance(&mut self.rng, 0.5) {
            self.attach_media(&mut t, &username, li);
        }
        t
    }

    fn retweet(&mut self, mut t: TweetRec, orig: &TweetRec) -> TweetRec {
        let orig_user = self.c.user(orig.author_id).cloned().unwrap_or_default();
        let mut tb = Tb::default();
        tb.push("RT ");
        tb.mention(&orig_user);
        tb.push(": ");
        let shift = tb.n;
        let full = format!("{}{}", tb.text, orig.text);
        let total = full.chars().count() as u32;
        let limit = if total > 140 { 139 } else { total };
        if total > 140 {
            let cut: String = full.chars().take(139).collect();
            tb.text = format!("{cut}…");
            tb.n = 140;
        } else {
            tb.text = full;
            tb.n = total;
        }
        let e = &orig.entities;
        let fits = |s: u32, en: u32| s + shift <= limit && en + shift <= limit;
        for h in &e.hashtags {
            if fits(h.start, h.end) {
                tb.ents.hashtags.push(TagEnt {
                    start: h.start + shift,
                    end: h.end + shift,
                    tag: h.tag.clone(),
                });
            }
        }
        for h in &e.cashtags {
            if fits(h.start, h.end) {
                tb.ents.cashtags.push(TagEnt {
                    start: h.start + shift,
                    end: h.end + shift,
                    tag: h.tag.clone(),
                });
            }
        }
        for m in &e.mentions {
            if fits(m.start, m.end) {
                tb.ents.mentions.push(MentionEnt {
                    start: m.start + shift,
                    end: m.end + shift,
                    ..m.clone()
                });
            }
        }
        for u in &e.urls {
            if fits(u.start, u.end) {
                tb.ents.urls.push(UrlEnt {
                    start: u.start + shift,
                    end: u.end + shift,
                    ..u.clone()
                });
            }
        }
        t.text = tb.text;
        t.entities = tb.ents;
        t.lang = orig.lang.clone();
        t.possibly_sensitive = orig.possibly_sensitive;
        t.media_keys = orig.media_keys.clone();
        t.refs.push((RefKind::Retweeted, orig.id));
        t.conversation_id = Some(t.id);
        t.metrics = Some(TweetMetrics {
            retweet_count: orig.metrics.map(|m| m.retweet_count).unwrap_or(0),
            ..TweetMetrics::default()
        });
        if let Some(ec) = &mut t.edit_controls {
            ec.is_edit_eligible = false;
        }
        t
    }
}

/// Generate a corpus of `n` base tweets.
pub(crate) fn generate(seed: u64, n: usize) -> Corpus {
    let mut g = Gen {
        rng: StdRng::seed_from_u64(seed),
        c: Corpus::default(),
        user_lang: Vec::new(),
        originals: Vec::new(),
    };
    let user_count = (n / 8).clamp(40, 800);
    g.users(user_count);
    let mut ms = START_MS;
    for i in 0..n {
        ms += g.rng.gen_range(50..4_000);
        let id = snowflake(ms, g.rng.gen_range(0..1024), i as u64);
        // Protected accounts never appear in public streams.
        let mut ui = g.author();
        for _ in 0..8 {
            if g.c.users.get(ui).and_then(|u| u.protected) != Some(true) {
                break;
            }
            ui = g.author();
        }
        if g.c.users.get(ui).and_then(|u| u.protected) == Some(true) {
            ui = 0;
        }
        let Some(author) = g.c.users.get(ui).cloned() else {
            continue;
        };
        let t = g.base_tweet(id, ms, &author);
        let recent = g.originals.len().saturating_sub(300);
        let kind: f64 = g.rng.gen_range(0.0..1.0);
        let target = if g.originals.len() > 10 {
            let k = g.rng.gen_range(recent..g.originals.len());
            g.originals.get(k).copied()
        } else {
            None
        };
        let target_rec =
            target.and_then(|(ti, li)| g.c.tweets.get(ti as usize).cloned().map(|r| (r, li)));
        let (t, reusable) = match (kind, target_rec) {
            (k, Some((orig, _))) if k < 0.14 && orig.author_id != author.id => {
                (g.retweet(t, &orig), false)
            }
            (k, Some((parent, pl))) if k < 0.27 => (g.reply(t, ui, &parent, pl), true),
            (k, Some((quoted, _))) if k < 0.33 => (g.original(t, ui, Some(quoted.id)), true),
            _ => (g.original(t, ui, None), true),
        };
        let li = LANGS
            .iter()
            .position(|l| Some(l.code) == t.lang.as_deref())
            .unwrap_or(0);
        let idx = g.c.add_tweet(t, true, true);
        if reusable {
            g.originals.push((idx, li));
        }
    }
    g.c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_offsets_point_at_the_entities() {
        let c = generate(7, 600);
        assert_eq!(c.base.len(), 600);
        let chars = |s: &str, a: u32, b: u32| -> String {
            s.chars().skip(a as usize).take((b - a) as usize).collect()
        };
        for t in &c.tweets {
            for h in &t.entities.hashtags {
                assert_eq!(
                    chars(&t.text, h.start, h.end),
                    format!("#{}", h.tag),
                    "{}",
                    t.text
                );
            }
            for h in &t.entities.cashtags {
                assert_eq!(
                    chars(&t.text, h.start, h.end),
                    format!("${}", h.tag),
                    "{}",
                    t.text
                );
            }
            for m in &t.entities.mentions {
                assert_eq!(
                    chars(&t.text, m.start, m.end),
                    format!("@{}", m.username),
                    "{}",
                    t.text
                );
            }
            for u in &t.entities.urls {
                assert_eq!(chars(&t.text, u.start, u.end), u.url, "{}", t.text);
            }
        }
    }
}
