// A small emoji set for the composer's picker and for reactions: common
// emoji in a few categories, each with English names to search by. Kept
// small on purpose (no emoji database dependency); the bundled emoji font
// draws them the same on every system.

export type EmojiCategory = "smileys" | "gestures" | "hearts" | "animals" | "food" | "travel" | "objects" | "symbols";

export interface Emoji {
  char: string;
  /** Lower-case words to search by, the first is its name. */
  names: string[];
}

export const EMOJI_CATEGORIES: readonly EmojiCategory[] = ["smileys", "gestures", "hearts", "animals", "food", "travel", "objects", "symbols"];

/** A category's emoji as "char name, other names" lines, parsed once below. */
const DATA: Record<EmojiCategory, string> = {
  smileys: `😀 grinning, smile, happy
😃 smiley, happy, joy
😄 smile, happy, laugh
😁 grin, beaming
😆 laughing, satisfied
😅 sweat smile, relief, phew
🤣 rolling on the floor laughing, rofl, lol
😂 joy, tears of joy, laugh, lol
🙂 slightly smiling, smile
🙃 upside down, silly
😉 wink
😊 blush, smiling eyes, happy
😇 innocent, angel, halo
🥰 smiling with hearts, love, adore
😍 heart eyes, love
🤩 star struck, excited, wow
😘 kiss, blowing a kiss
😋 yum, delicious, tasty
😛 tongue, playful
😜 winking tongue, crazy, joke
🤪 zany, crazy, goofy
🤗 hugging, hug, thanks
🤔 thinking, hmm, wonder
🤐 zipper mouth, secret, quiet
😐 neutral, meh
😑 expressionless
😶 no mouth, silent
😏 smirk
😒 unamused, annoyed
🙄 eye roll, rolling eyes
😬 grimace, awkward, oops
😌 relieved, calm
😔 pensive, sad
😪 sleepy, tired
😴 sleeping, zzz
😷 mask, sick, ill
🤒 thermometer, fever, sick
🤯 mind blown, shocked
🥳 party, celebrate, birthday
😎 cool, sunglasses
🤓 nerd, geek
😕 confused
😟 worried, concerned
🙁 frowning, sad
😮 open mouth, surprised, wow
😲 astonished, shocked
😳 flushed, embarrassed
🥺 pleading, please, puppy eyes
😢 crying, sad, tear
😭 sob, crying, loudly crying
😱 scream, fear, shocked
😤 triumph, huff, frustrated
😡 angry, pouting, rage
🤬 cursing, swearing, angry
😈 smiling devil, evil
💀 skull, dead
🤡 clown
👻 ghost, boo
🤖 robot, bot`,
  gestures: `👍 thumbs up, like, yes, ok, +1
👎 thumbs down, dislike, no, -1
👌 ok hand, perfect, okay
✌️ victory, peace
🤞 crossed fingers, luck, hope
🤝 handshake, deal, agreement
🙏 folded hands, please, thanks, pray, namaste
👏 clap, applause, well done, bravo
🙌 raising hands, hooray, celebrate
👋 wave, hello, hi, bye
🤙 call me, shaka
💪 muscle, strong, flex
👉 point right
👈 point left
👆 point up
👇 point down
☝️ index up, one moment
✋ raised hand, stop, high five
🤚 raised back of hand
🖐️ hand with fingers splayed
🤟 love you gesture
🤷 shrug, dont know
🙋 raising hand, question, me
🙅 no gesture, not ok
🙆 ok gesture
💁 information, tipping hand
🤦 facepalm
👀 eyes, look, watching
🧠 brain, smart`,
  hearts: `❤️ red heart, love
🧡 orange heart
💛 yellow heart
💚 green heart
💙 blue heart
💜 purple heart
🖤 black heart
🤍 white heart
💔 broken heart
❣️ heart exclamation
💕 two hearts, love
💖 sparkling heart
💗 growing heart
💘 heart with arrow, cupid
💝 heart with ribbon, gift
💯 hundred, 100, perfect, score
✨ sparkles, shiny, new
⭐ star, favourite
🌟 glowing star
🔥 fire, hot, lit
🎉 party popper, tada, congratulations
🎊 confetti
🎁 gift, present
🏆 trophy, winner, award`,
  animals: `🐶 dog, puppy
🐱 cat, kitten
🐭 mouse
🐰 rabbit, bunny
🦊 fox
🐻 bear
🐼 panda
🐯 tiger
🦁 lion
🐮 cow
🐷 pig
🐵 monkey
🙈 see no evil, monkey, oops
🐔 chicken
🐧 penguin
🐦 bird
🦋 butterfly
🐢 turtle, slow
🐍 snake
🐘 elephant
🌸 cherry blossom, flower
🌹 rose, flower
🌻 sunflower
🌴 palm tree
🌈 rainbow
☀️ sun, sunny
🌧️ rain, cloud
❄️ snowflake, cold`,
  food: `☕ coffee, tea, hot drink
🍵 tea
🍕 pizza
🍔 burger, hamburger
🍟 fries
🌮 taco
🍜 noodles, ramen
🍛 curry, rice
🍚 rice
🍣 sushi
🥗 salad
🍰 cake, shortcake
🎂 birthday cake
🍩 doughnut, donut
🍪 cookie
🍫 chocolate
🍎 apple
🍌 banana
🥭 mango
🍉 watermelon
🍇 grapes
🍓 strawberry
🥛 milk
🍺 beer
🥂 cheers, toast, champagne`,
  travel: `🚗 car
🚕 taxi, cab
🛵 scooter, delivery
🚚 delivery truck, shipping
🚌 bus
🚆 train
✈️ airplane, flight, travel
🚀 rocket, launch, fast
🏠 house, home
🏢 office, building
🏪 shop, store
🏥 hospital
🏦 bank
🗺️ map
📍 pin, location, place
🧭 compass
⏰ alarm clock, time
⌛ hourglass, wait
📅 calendar, date
🕒 clock, time`,
  objects: `📱 phone, mobile
💻 laptop, computer
⌨️ keyboard
📞 telephone, call
📧 email, e-mail
✉️ envelope, letter
📦 package, parcel, box, order
🛒 shopping cart, cart
💳 credit card, payment
💰 money bag
💵 dollar, cash, money
🧾 receipt, invoice, bill
📄 document, page
📎 paperclip, attachment
📝 memo, note, write
✏️ pencil, edit
📌 pushpin, pin
🔒 lock, secure
🔑 key, password
🔔 bell, notification
📣 megaphone, announcement
💡 light bulb, idea
🔧 wrench, fix, tool
⚙️ gear, settings
🎧 headphones, support
📷 camera, photo`,
  symbols: `✅ check mark, done, yes
☑️ ballot check
✔️ check
❌ cross, no, wrong
❗ exclamation, important
❓ question
⚠️ warning, caution
🚫 prohibited, no entry
⛔ no entry, stop
🆗 ok button
🆕 new
🆓 free
🔝 top
🔄 refresh, repeat
➡️ right arrow
⬅️ left arrow
⬆️ up arrow
⬇️ down arrow
🔴 red circle
🟢 green circle
🟡 yellow circle
🔵 blue circle
➕ plus, add
➖ minus
#️⃣ hash, number
🇮🇳 india, flag`,
};

function parse(block: string): Emoji[] {
  return block
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const space = line.indexOf(" ");
      const char = line.slice(0, space);
      const names = line
        .slice(space + 1)
        .split(",")
        .map((n) => n.trim().toLowerCase())
        .filter(Boolean);
      return { char, names };
    });
}

/** Every emoji by category, in order. */
export const EMOJI: Readonly<Record<EmojiCategory, readonly Emoji[]>> = Object.fromEntries(
  EMOJI_CATEGORIES.map((c) => [c, parse(DATA[c])]),
) as Record<EmojiCategory, Emoji[]>;

/** The quick reactions offered on a message (WhatsApp's own six). */
export const QUICK_REACTIONS = ["👍", "❤️", "😂", "😮", "😢", "🙏"] as const;

/**
 * Emoji whose names match every word of `query` (each word starts a word of a
 * name), best first: names starting with the query before names containing it.
 * An empty query matches nothing (the picker shows categories instead).
 */
export function searchEmoji(query: string, limit = 48): Emoji[] {
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  const scored: { e: Emoji; score: number; order: number }[] = [];
  let order = 0;
  for (const c of EMOJI_CATEGORIES) {
    for (const e of EMOJI[c]) {
      order++;
      if (e.char === query.trim()) {
        scored.push({ e, score: -1, order });
        continue;
      }
      let best = Infinity;
      for (const [i, name] of e.names.entries()) {
        const nameWords = name.split(/\s+/);
        if (!words.every((w) => nameWords.some((nw) => nw.startsWith(w)))) continue;
        best = Math.min(best, (name.startsWith(words[0]!) ? 0 : 1) + i * 0.01);
      }
      if (best !== Infinity) scored.push({ e, score: best, order });
    }
  }
  const seen = new Set<string>();
  return scored
    .sort((a, b) => a.score - b.score || a.order - b.order)
    .map((x) => x.e)
    .filter((e) => (seen.has(e.char) ? false : (seen.add(e.char), true)))
    .slice(0, limit);
}

/** Inserts `insert` into `text` replacing the selection [start, end); returns the text and where the caret goes. */
export function insertAt(text: string, start: number | null, end: number | null, insert: string): { text: string; caret: number } {
  const s = start === null ? text.length : Math.max(0, Math.min(start, text.length));
  const e = end === null ? s : Math.max(s, Math.min(end, text.length));
  return { text: text.slice(0, s) + insert + text.slice(e), caret: s + insert.length };
}
