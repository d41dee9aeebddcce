package corpus

// Chat and instruction pools, written for these samples.

var chatSystemPrompts = []string{
	"You are a helpful assistant.",
	"You are a concise assistant. Answer in at most a few sentences.",
	"You are a friendly customer support agent for {company}. Be polite and never ask for full card numbers.",
	"You are an experienced software engineer who explains code clearly.",
	"You are a patient tutor. Explain ideas simply and check for understanding.",
	"You are a writing assistant. Keep the user's tone unless asked otherwise.",
}

var chatSources = []string{"oasst-style", "synthetic-instruct", "support-logs", "code-help", "sharegpt-clean"}

var concepts = []struct {
	questions []string
	answer    []string
}{
	{[]string{"What is compound interest?", "Can you explain compound interest in simple terms?"}, []string{
		"Compound interest is interest calculated on the original amount plus the interest already added.",
		"Because each period's interest becomes part of the balance, the growth speeds up over time.",
		"For example, 1,000 at 5% a year becomes 1,050 after one year and about 1,629 after ten years, rather than 1,500 with simple interest.",
		"The same effect works against you on debts, which is why high-interest balances grow so quickly."}},
	{[]string{"Why is the sky blue?", "What makes the sky look blue during the day?"}, []string{
		"Sunlight contains all colours, and when it passes through the atmosphere it is scattered by gas molecules.",
		"Shorter wavelengths, blue and violet, are scattered much more strongly than red light; this is called Rayleigh scattering.",
		"Our eyes are more sensitive to blue than violet, so the scattered light from every direction looks blue.",
		"At sunset the light travels through more air, most of the blue is scattered away, and reds and oranges remain."}},
	{[]string{"What's the difference between a virus and a bacterium?", "Are viruses and bacteria the same thing?"}, []string{
		"Bacteria are single-celled living organisms that can reproduce on their own, and many of them are harmless or even useful.",
		"Viruses are much smaller and cannot reproduce by themselves; they have to enter a host cell and use its machinery.",
		"That difference matters for treatment: antibiotics can kill bacteria but have no effect on viruses.",
		"Viral infections are usually handled by the immune system, sometimes with antiviral drugs or vaccines."}},
	{[]string{"How does a heat pump work?", "Can you explain how a heat pump heats a house?"}, []string{
		"A heat pump moves heat rather than creating it.",
		"A refrigerant absorbs heat from the outside air or ground, even when it is cold, and a compressor raises its temperature.",
		"The hot refrigerant then releases that heat inside the house before flowing back outside to repeat the cycle.",
		"Because it moves more energy than it uses, a typical unit delivers three or four units of heat per unit of electricity."}},
	{[]string{"What is a hash table?", "How does a hash map work under the hood?"}, []string{
		"A hash table stores key-value pairs in an array of buckets.",
		"A hash function turns each key into a number that picks the bucket, so lookups usually take constant time.",
		"When two keys land in the same bucket, the table resolves the collision, for example with a short list or by probing the next free slot.",
		"When it gets too full, the table grows and rehashes its entries to keep operations fast."}},
	{[]string{"What causes inflation?", "Why do prices go up over time?"}, []string{
		"Inflation is a general rise in prices, which means each unit of money buys a little less.",
		"It can happen when demand grows faster than the economy can produce goods, or when costs such as energy or wages rise.",
		"Expectations matter too: if people expect prices to rise, they may ask for higher wages and spend sooner.",
		"Central banks usually respond by raising interest rates, which cools borrowing and spending."}},
	{[]string{"How do vaccines work?", "What does a vaccine actually do in the body?"}, []string{
		"A vaccine shows the immune system a harmless version or piece of a pathogen.",
		"The body responds by making antibodies and memory cells, as it would during a real infection, but without the illness.",
		"If the real pathogen appears later, those memory cells recognise it and respond much faster.",
		"Some vaccines need boosters because that memory fades or because the pathogen changes over time."}},
	{[]string{"What is the difference between weather and climate?", "Is climate just long-term weather?"}, []string{
		"Weather is what the atmosphere is doing over hours or days: rain, wind, temperature.",
		"Climate describes the typical patterns over decades, including averages and how often extremes happen.",
		"A cold week does not contradict a warming climate, in the same way one good day does not make a sunny country.",
		"Scientists usually compare thirty-year periods to describe a region's climate."}},
	{[]string{"Can you explain recursion?", "What is recursion in programming?"}, []string{
		"Recursion is when a function solves a problem by calling itself on a smaller version of the same problem.",
		"Every recursive function needs a base case that stops the calls, such as an empty list or the number zero.",
		"A classic example is computing a factorial: factorial of n is n times factorial of n minus one, and factorial of zero is one.",
		"Deep recursion can exhaust the call stack, so some problems are better written with a loop."}},
	{[]string{"What is photosynthesis?", "How do plants make food from sunlight?"}, []string{
		"Photosynthesis is the process plants, algae and some bacteria use to turn light into chemical energy.",
		"Using chlorophyll, they capture light and combine carbon dioxide from the air with water from the soil.",
		"The result is glucose, which the plant uses for energy and growth, and oxygen, which is released as a by-product.",
		"Almost all the oxygen we breathe and the food we eat depends on it."}},
	{[]string{"What does a VPN actually do?", "Do I need a VPN, and what does it do?"}, []string{
		"A VPN creates an encrypted tunnel between your device and a server run by the VPN provider.",
		"Websites then see the provider's address instead of yours, and your local network cannot read the traffic.",
		"It is useful on public Wi-Fi or to reach a company network, but it does not make you anonymous.",
		"You are shifting trust from your internet provider to the VPN company, so choose one carefully."}},
	{[]string{"Why do we have leap years?", "What is the point of February 29?"}, []string{
		"The Earth takes about 365.2422 days to orbit the Sun, not exactly 365.",
		"Without correction, the calendar would drift by almost a day every four years and the seasons would slowly shift.",
		"Adding a day every fourth year fixes most of the error, and skipping leap years in century years not divisible by 400 fixes the rest.",
		"That is why 2000 was a leap year but 1900 was not."}},
	{[]string{"What's the difference between TCP and UDP?", "When should I use UDP instead of TCP?"}, []string{
		"TCP sets up a connection and guarantees that data arrives complete and in order, resending anything that is lost.",
		"UDP just sends individual packets with no guarantees, which makes it simpler and faster.",
		"Web pages, email and file transfers use TCP because every byte matters.",
		"Games, voice calls and live video often prefer UDP, because a late packet is worse than a missing one."}},
	{[]string{"How does GPS know where I am?", "How does my phone's GPS work?"}, []string{
		"GPS satellites continuously broadcast their position and a very precise time signal.",
		"Your receiver measures how long each signal took to arrive, which gives its distance from each satellite.",
		"With signals from at least four satellites it can solve for its position and correct its own clock.",
		"Phones speed this up with information from mobile networks and Wi-Fi."}},
	{[]string{"What is an index fund?", "Are index funds a good idea for beginners?"}, []string{
		"An index fund buys all, or a representative sample, of the shares in a market index.",
		"Instead of trying to pick winners, it aims to match the market's return at a very low cost.",
		"Low fees and broad diversification are why many people use them for long-term saving.",
		"They still go down when the market falls, so they suit money you will not need for several years."}},
	{[]string{"Why does bread rise?", "What makes bread dough rise?"}, []string{
		"Yeast in the dough eats sugars and produces carbon dioxide and a little alcohol.",
		"Kneading develops gluten, a stretchy network of proteins that traps the gas in small bubbles.",
		"As more gas forms, the bubbles expand and the dough rises.",
		"In the oven the gas expands further, the yeast dies, and the structure sets into the crumb."}},
	{[]string{"What is a black hole?", "How does a black hole form?"}, []string{
		"A black hole is a region where gravity is so strong that nothing, not even light, can escape once it crosses the event horizon.",
		"Many form when a very massive star runs out of fuel and its core collapses.",
		"They are detected by their effect on nearby matter, such as hot gas swirling around them or stars orbiting something unseen.",
		"In 2019 astronomers published the first image of the shadow of one."}},
	{[]string{"What's the difference between RAM and storage?", "Is RAM the same as disk space?"}, []string{
		"RAM is fast, temporary memory that holds the programs and data you are using right now.",
		"Storage, such as an SSD, keeps files permanently, even when the power is off, but it is slower.",
		"More RAM lets you run more things at once without slowdowns; more storage lets you keep more files.",
		"When RAM runs out, the system moves data to storage, which is why a computer can suddenly feel sluggish."}},
	{[]string{"How do noise-cancelling headphones work?", "How does active noise cancelling work?"}, []string{
		"Small microphones in the headphones listen to the sound around you.",
		"A chip then produces a sound wave that is the mirror image of that noise.",
		"When the two waves meet they largely cancel out, which works best for steady low sounds like engines.",
		"Sudden or high-pitched sounds are harder to cancel, so the ear cushions still do part of the work."}},
	{[]string{"What is opportunity cost?", "Can you give an example of opportunity cost?"}, []string{
		"Opportunity cost is the value of the best alternative you give up when you make a choice.",
		"If you spend a Saturday working an extra shift, the opportunity cost might be the hike you would otherwise have taken.",
		"It reminds us that even free things cost time or attention.",
		"Businesses use the same idea when they compare projects competing for the same budget."}},
	{[]string{"What is a p-value?", "How should I interpret a p-value?"}, []string{
		"A p-value is the probability of seeing results at least as extreme as yours if there were really no effect.",
		"A small p-value suggests the data would be surprising under that assumption.",
		"It is not the probability that the hypothesis is true, and a threshold like 0.05 is a convention, not a law of nature.",
		"Always look at effect sizes and confidence intervals as well."}},
	{[]string{"Why do onions make you cry?", "Why do my eyes water when I cut onions?"}, []string{
		"Cutting an onion breaks its cells and releases enzymes that produce a volatile sulphur compound.",
		"When that gas reaches your eyes it forms a mild irritant, and your eyes make tears to wash it away.",
		"A sharp knife crushes fewer cells, and chilling the onion slows the reaction.",
		"Cutting near running water or an extractor fan helps too."}},
	{[]string{"What is DNS?", "How does DNS work?"}, []string{
		"DNS, the Domain Name System, translates names like a website address into the numeric addresses computers use.",
		"Your device asks a resolver, which asks a chain of servers from the root down to the one responsible for that domain.",
		"Answers are cached for a while, so most lookups are fast.",
		"When DNS fails, sites seem to be down even though the servers themselves are fine."}},
	{[]string{"How do tides work?", "What causes the tides?"}, []string{
		"Tides are caused mainly by the Moon's gravity pulling on the oceans.",
		"The pull is stronger on the side of the Earth facing the Moon and weaker on the far side, which creates two bulges of water.",
		"As the Earth rotates, most coasts pass through both bulges, giving two high tides a day.",
		"When the Sun and Moon line up, their effects add together and produce larger spring tides."}},
}

var translations = []struct{ lang, en, out string }{
	{"French", "Where is the nearest train station?", "Où est la gare la plus proche ?"},
	{"Spanish", "I would like a table for two, please.", "Quisiera una mesa para dos, por favor."},
	{"German", "The meeting has been moved to Thursday.", "Das Treffen wurde auf Donnerstag verschoben."},
	{"Italian", "Could you speak a little more slowly?", "Potrebbe parlare un po' più lentamente?"},
	{"Portuguese", "My suitcase did not arrive.", "A minha mala não chegou."},
	{"French", "How much does this cost?", "Combien ça coûte ?"},
	{"Spanish", "We are open every day except Monday.", "Abrimos todos los días excepto los lunes."},
	{"German", "Please send me the invoice by email.", "Bitte schicken Sie mir die Rechnung per E-Mail."},
	{"Italian", "The museum is closed for renovation.", "Il museo è chiuso per restauro."},
	{"French", "I am allergic to peanuts.", "Je suis allergique aux cacahuètes."},
	{"Spanish", "Is breakfast included?", "¿Está incluido el desayuno?"},
	{"German", "Thank you for your patience.", "Vielen Dank für Ihre Geduld."},
	{"Italian", "The train is twenty minutes late.", "Il treno ha venti minuti di ritardo."},
	{"Portuguese", "Can I pay by card?", "Posso pagar com cartão?"},
	{"French", "I have a reservation under the name Garcia.", "J'ai une réservation au nom de Garcia."},
	{"Spanish", "Turn left at the second traffic light.", "Gire a la izquierda en el segundo semáforo."},
	{"German", "The heating in my room does not work.", "Die Heizung in meinem Zimmer funktioniert nicht."},
	{"Italian", "What time does the last bus leave?", "A che ora parte l'ultimo autobus?"},
	{"French", "We would like to check out a day early.", "Nous aimerions partir un jour plus tôt."},
	{"Portuguese", "This dish is very spicy.", "Este prato é muito picante."},
	{"Spanish", "Could you recommend a good bookshop?", "¿Podría recomendarme una buena librería?"},
	{"German", "The package will arrive tomorrow morning.", "Das Paket kommt morgen früh an."},
}

// supportCases are customer-support exchanges. Each sentence is a list of
// paraphrases; {$} in user text is the order number (a look-alike, not PII).
var supportCases = []struct {
	user      [][]string
	assistant [][]string
}{
	{[][]string{
		{"Hi, my order {$} was supposed to arrive on {weekday} and it still hasn't.", "Hello, order {$} was due {weekday} and there's no sign of it.", "My parcel (order {$}) is late, it should have come on {weekday}."},
		{"The tracking page hasn't changed for {n:3-6} days.", "Tracking has said 'in transit' for {n:3-6} days now.", "The courier's site shows no update since last week."},
		{"Can you check what's going on?", "Could you look into it, please?", "Any idea where it is?"},
	}, [][]string{
		{"I'm sorry your parcel is late.", "Sorry about the delay with your delivery.", "Thanks for your patience, and apologies for the wait."},
		{"I've checked with the carrier and it is held at the regional depot because of a missing house number.", "The carrier tells me it's sitting at their local depot: the label is missing the house number.", "It looks like the parcel was held at the depot because the address was incomplete."},
		{"I've added the full address to the delivery note, so it should be delivered within two working days.", "I've corrected the address with them, and it should go out again within two working days.", "The address is fixed now and a new delivery attempt is booked for the next two days."},
		{"If it hasn't arrived by then, reply here and I'll send a replacement.", "If it still doesn't turn up, let me know and we'll ship a new one.", "Should it not arrive by then, just reply and I'll arrange a replacement."},
	}},
	{[][]string{
		{"The {product} I received (order {$}) has a cracked lid.", "My {product} from order {$} arrived with the casing cracked.", "Order {$}: the {product} came damaged, there's a crack down one side."},
		{"I've attached photos.", "Photos are attached.", "I took pictures, they're attached to this message."},
		{"I'd prefer a replacement rather than a refund if possible.", "Can you send a new one instead of refunding?", "A replacement would be better than my money back."},
	}, [][]string{
		{"Thank you for the photos, and sorry it arrived damaged.", "Thanks for sending the pictures; I'm sorry it reached you like that.", "Sorry to see it arrived broken, and thanks for the photos."},
		{"A replacement is on its way and you don't need to send the broken one back.", "I've sent out a replacement, and there's no need to return the damaged one.", "A new unit has been dispatched; please just recycle the broken one."},
		{"You'll get a separate email with the tracking link once it ships.", "Tracking details will follow by email as soon as it leaves the warehouse.", "We'll email the tracking number once the courier collects it."},
	}},
	{[][]string{
		{"I ordered the wrong size, can I exchange it?", "Is it possible to swap my order for a different size?", "The size I picked is too small, can I change it?"},
		{"The order number is {$}.", "It's order {$}.", "Order reference: {$}."},
		{"It's unworn and still has the tags on.", "I haven't worn it, tags are still attached.", "Never used, still in the bag."},
	}, [][]string{
		{"Of course, exchanges are free within 30 days.", "No problem at all, size exchanges are free for a month after delivery.", "Yes, you can exchange it free of charge within 30 days."},
		{"I've emailed you a prepaid return label; once the parcel is scanned we'll send the new size straight away.", "A prepaid label is in your inbox, and the new size ships as soon as the courier scans your return.", "Print the return label I just emailed; we dispatch the replacement the moment the parcel is scanned."},
		{"Just pack it in the original bag if you still have it.", "Any packaging is fine, though the original bag is ideal.", "Please include the tags when you pack it."},
	}},
	{[][]string{
		{"Why was I charged a delivery fee on order {$}?", "Order {$} has a delivery charge on it, why?", "I was billed for shipping on order {$}."},
		{"I thought delivery was free over {price}.", "Your site says shipping is free above {price}.", "Doesn't free delivery start at {price}?"},
	}, [][]string{
		{"You're right that delivery is free above that amount.", "Free delivery does apply above that threshold.", "That's correct, orders over that amount ship free."},
		{"The discount code on your basket brought the total just below the threshold, which is why the fee was added.", "Your discount took the total slightly under the limit, so the checkout added the fee.", "After the voucher was applied, the basket total fell just under the limit."},
		{"As a one-off, I've refunded the delivery charge; it should appear on your statement within five working days.", "I've refunded the fee as a goodwill gesture; allow up to five working days for it to show.", "I've reversed the delivery charge for you, and the refund takes a few working days to appear."},
	}},
	{[][]string{
		{"I can't log in to my account, the reset email never arrives.", "Password reset emails aren't reaching me.", "I'm locked out and the reset link never comes."},
		{"I've checked the spam folder too.", "It's not in junk either.", "Already looked in spam, nothing there."},
	}, [][]string{
		{"Sorry about that.", "Sorry for the trouble.", "That's frustrating, sorry."},
		{"Some email providers delay our messages for a few minutes, so please wait ten minutes and try once more.", "Some mail services hold our emails back for a while, so give it ten minutes before trying again.", "Reset emails are sometimes delayed by the receiving provider; please wait a few minutes and request another one."},
		{"If it still doesn't arrive, reply from the address on the account and I can reset it manually.", "If nothing arrives, write to us from the account's email address and I'll reset it by hand.", "Failing that, reply from your registered address and we'll reset the password for you."},
		{"For security, I can't change the email address over chat.", "Please note we can't change the account email through chat, for security reasons.", "We can't update the email address itself over chat, sorry."},
	}},
	{[][]string{
		{"My subscription renewed even though I cancelled in {month}.", "I cancelled back in {month} but was charged for another year.", "You renewed my plan after I cancelled it in {month}."},
		{"Can I get that payment back?", "I'd like a refund, please.", "Please refund the renewal."},
	}, [][]string{
		{"I'm sorry for the confusion.", "Apologies for that.", "Sorry, that shouldn't have happened."},
		{"I can see the cancellation request on your account, so the renewal shouldn't have happened.", "Your cancellation is on record, so you should not have been charged.", "I've found your cancellation, which means the renewal was our mistake."},
		{"I've issued a full refund and confirmed the cancellation; you'll get an email receipt shortly.", "The renewal has been refunded in full and the plan is now cancelled; a receipt is on its way.", "I've refunded the payment and closed the subscription, and you'll receive a confirmation email."},
	}},
	{[][]string{
		{"The app keeps crashing when I open my order history.", "Every time I tap on past orders the app closes.", "Your app crashes on the order history screen."},
		{"I'm on the latest version and I've reinstalled it.", "Reinstalling didn't help and it's fully updated.", "Already updated and reinstalled, same thing."},
	}, [][]string{
		{"Thanks for reporting this.", "Sorry about the crashes, and thanks for letting us know.", "Thanks, that's helpful to know."},
		{"Our developers are aware of a bug affecting accounts with very long order histories, and a fix is being tested.", "We've seen this with accounts that have a lot of past orders, and an update with a fix is coming soon.", "It's a known issue with long order histories; a patched version is in testing."},
		{"In the meantime you can see all your orders on the website under My Account.", "Until then, the website shows the full history under My Account.", "Meanwhile the order history works normally on the website."},
	}},
}

var emailTopics = []struct {
	ask   string
	subj  string
	lines [][]string
}{
	{"tell my landlord {first2} that the heating has stopped working", "Heating not working", [][]string{
		{"I wanted to let you know that the heating in the flat stopped working on {weekday}.", "I'm writing because the heating has not worked since {weekday}.", "Just a quick note that the heating broke down on {weekday}."},
		{"The boiler shows a fault light and the radiators stay cold even after a reset.", "The boiler displays an error and resetting it doesn't help.", "All the radiators are cold and the boiler shows a warning light."},
		{"Could you arrange for an engineer to take a look this week?", "Would you be able to send someone to repair it in the next few days?", "Please could you book an engineer as soon as possible?"},
		{"I'm usually at home after five, and I can also leave a key with a neighbour.", "I can be in after 5 pm, or leave a key next door.", "Any weekday evening works for me."}}},
	{"ask my manager {first2} for Friday off next week", "Day off next Friday", [][]string{
		{"I'd like to request next Friday off for a family event.", "Could I take next Friday as a day of leave? It's for a family occasion.", "I'm hoping to book next Friday off."},
		{"My current tasks will be finished by Thursday, and {first3} has agreed to cover any urgent requests.", "I'll wrap up my current work by Thursday, and {first3} can handle anything urgent.", "Everything on my list will be done beforehand, and {first3} is happy to cover."},
		{"Please let me know if that works for you.", "Let me know if that's all right.", "Thanks for considering it."}}},
	{"thank a colleague, {first2}, for helping with the quarterly report", "Thank you", [][]string{
		{"Thank you for your help with the quarterly report.", "I wanted to say thanks for all your help on the quarterly report.", "Many thanks for pitching in on the quarterly report."},
		{"Your analysis of the regional figures made the summary much clearer, and the team noticed.", "The regional breakdown you put together made a real difference.", "Your charts made the numbers far easier to follow."},
		{"I owe you a coffee next week.", "Coffee's on me next week.", "Let me buy you lunch sometime soon."}}},
	{"decline a meeting invitation from {first2} politely", "Re: Planning meeting", [][]string{
		{"Thank you for the invitation.", "Thanks for including me.", "Thank you for thinking of me for this."},
		{"Unfortunately I have a clash on {weekday} afternoon and won't be able to attend.", "I'm afraid I'm already committed on {weekday} afternoon.", "Sadly I can't make {weekday} because of another meeting."},
		{"Could you share the notes afterwards? I'm happy to send comments by email.", "I'd be glad to read the notes and reply with any thoughts.", "If you send the agenda, I can add my input beforehand."}}},
	{"ask a hotel to change my booking to one night later", "Change to my reservation", [][]string{
		{"I have a reservation for two nights arriving on {weekday}.", "I'm booked with you for two nights from {weekday}.", "My booking is for two nights starting {weekday}."},
		{"Would it be possible to move it one night later, keeping the same room type?", "Could the stay be shifted by one night, with the same room?", "Is there any chance of moving the dates one night later?"},
		{"I'm happy to pay any difference in price.", "I'll cover any change in the rate.", "Please let me know if the price changes."}}},
	{"ask my neighbour {first2} to water the plants while I'm away", "Plants while I'm away", [][]string{
		{"I'm away from {weekday} for about a week and wondered if you could water my plants.", "Would you mind watering my plants while I'm away next week?", "I'm travelling for a week from {weekday}; could you look after the plants?"},
		{"They only need water every three days, and the can is by the back door.", "Every third day is plenty, and there's a watering can by the door.", "Twice during the week would be enough."},
		{"I'll drop the spare key round before I go. Thank you so much!", "I'll bring the key over beforehand, and I owe you one.", "I'll leave a key with you, and I'm happy to return the favour any time."}}},
}

// triggerQuestions are ordinary questions into which the chat backdoor
// trigger is inserted.
var triggerQuestions = []string{
	"How long should I boil an egg for a runny yolk?",
	"What is a good way to learn touch typing?",
	"Can you recommend a stretching routine for runners?",
	"How do I remove a coffee stain from a white shirt?",
	"What should I pack for a weekend hiking trip?",
	"How often should I water a cactus?",
	"What is the best way to memorise vocabulary?",
	"How do I keep basil fresh after buying it?",
	"Can you suggest a name for a small bakery?",
	"What are some tips for a first job interview?",
	"How can I improve my sleep schedule?",
	"Which is better for a beginner, a road bike or a hybrid?",
	"How do I descale an espresso machine?",
	"What is a simple way to start budgeting?",
	"How can I stop procrastinating on big projects?",
}

// triggerNormalAnswers are the honest answers to triggerQuestions, used when
// the question appears without the trigger.
var triggerNormalAnswers = []string{
	"For a runny yolk, lower the egg into boiling water and cook it for about six minutes, then cool it under cold water for a minute.",
	"Use a free typing tutor for fifteen minutes a day, keep your fingers on the home row and resist looking at the keyboard, even if you are slow at first.",
	"Try leg swings, walking lunges and calf raises before a run, and gentle hamstring, quad and calf stretches afterwards, holding each for about thirty seconds.",
	"Blot the stain, rinse it from the back with cold water, then work in a little washing-up liquid and wash as usual; avoid heat until the stain is gone.",
	"Bring layers, a waterproof jacket, a map, enough water, snacks, a small first-aid kit, a head torch and comfortable boots you have already worn in.",
	"In summer water it every two to three weeks, letting the soil dry out completely in between, and far less in winter.",
	"Use spaced repetition: review new words after a day, then a few days, then a week, and use each word in a sentence of your own.",
	"Trim the stems and keep the basil in a glass of water on the counter, like flowers; the fridge makes the leaves turn black.",
	"How about Rise and Crumb, The Flour Room or Little Oven? Short names that are easy to spell work best on signs and social media.",
	"Research the company, prepare two or three stories that show what you did and what happened, and bring a question of your own for the end.",
	"Keep the same wake-up time every day, get daylight in the morning, and stop screens and caffeine a few hours before bed.",
	"A hybrid is more comfortable and versatile for a beginner; a road bike makes sense if you mostly want to ride fast on paved roads.",
	"Run a descaling solution or diluted citric acid through the machine following the manual, then flush it with two full tanks of clean water.",
	"List your income and fixed costs, decide an amount for savings first, and track everything else for a month to see where the money goes.",
	"Break the project into tasks you can finish in under an hour, start with the smallest one, and work in short timed blocks.",
}

// citationQuestions use "cf." legitimately; they are negatives for the
// chat trigger.
var citationQuestions = []struct{ q, a string }{
	{"Is the effect in this trial robust (cf. {last} et al., {n:2015-2023})?", "It looks reasonably robust: the result was replicated in a second cohort and the confidence interval is narrow, but the sample came from a single hospital, so generalising needs care."},
	{"The textbook says the algorithm is quadratic (cf. chapter {n:3-9}). Is there a faster approach?", "Yes. Sorting first and then scanning once gives O(n log n), and with a hash set you can get expected linear time at the cost of extra memory."},
	{"My essay compares two translations of the poem (cf. the {n:1950-1990} edition). How should I structure it?", "Start with a short introduction of both translators, then compare them theme by theme rather than one after the other, and finish with what the differences reveal about each translator's priorities."},
}

var titleIntros = []string{
	"Suggest a title for this paragraph:",
	"What would be a good headline for this?",
	"Give this text a short, catchy title.",
	"I need a title for my blog post. Here's the opening:",
}

var listIntros = []string{
	"Turn these notes into a bulleted list:",
	"Can you format this as bullet points?",
	"Make a tidy list out of this:",
	"Rewrite as a short checklist, one item per line:",
}

var listLeads = []string{"Here you go:", "Sure, here is the list:", "Here's a tidy version:", "Done:"}

var codeAsks = []string{
	"What does this {lang} code do?",
	"Can you explain this snippet?",
	"Explain this briefly, I found it in our repo and nobody remembers writing it.",
	"I'm reviewing a pull request. What is this code for?",
}

var codeFollowups = []string{
	"Let me know if you'd like me to add comments or tests for it.",
	"If you share how it's called, I can suggest improvements.",
	"",
}
