import { foldForMatching, foldForSafety, squeezeRepeats } from './text.ts';

/**
 * Deterministic checks that run before anything else (and before any model call), in English and
 * Arabic. They err on the side of caution: a false alarm costs one extra message, a miss could cost more.
 */

export type EmergencyKind = 'self_harm' | 'medical';

/**
 * A pattern written in plain spelling and folded as `foldForSafety` folds the text: lower case, one form of each Arabic
 * letter, repeated letters squeezed ("bleeding" becomes "bleding" on both sides). Escapes (\b, \s, \d) are kept; the
 * text has no apostrophes or punctuation, one space between words and one at each end.
 */
function rx(source: string): RegExp {
  return new RegExp(source.replace(/\\.|[^\\\s()[\]{}|?*+.^$,:<=!-]+/g, (part) => (part.startsWith('\\') ? part : squeezeRepeats(foldForMatching(part)))));
}

// Each list's decisions are documented, and held to, in safety-corpus.ts (its test asserts full recall and no false alarm).

/** Wanting to die, suicide, hurting oneself, having taken all one's pills: the self-harm reply (crisis line, 999/998). */
const SELF_HARM = [
  // English
  /\bsuicid/,
  /\bkil+ (my ?self|urself)\b/,
  /\bkil+ (him|her|them) ?sel(f|ves)\b/,
  /\b(tried|trying|attempted|threatening|threatened) (to )?(kill|hurt|harm|hang|cut) (him|her|them|my) ?sel(f|ves)\b/,
  /\bkms\b/,
  /\b(end|ending|take|taking) (my|my own) life\b/,
  /\bend (it|everything) (all|tonight|now|today)\b/,
  /\bend it all\b/,
  /\b(want|wanna|going|gonna|ready) to end it\b/,
  /\b(want|wanna|wish|ready|going|gonna|trying) (to )?(die|be dead)\b/,
  /\bwish i (was|were) dead\b/,
  /\bbetter of+ dead\b/,
  /\b(dont|do not|no longer|dont even) want to (live|be alive|wake up|exist)\b/,
  /\bno reason to live\b/,
  /\b(want|wanna|going|gonna|will|urge|thinking about|thinking of|trying) (to )?(hurt|harm|cut|burn|kill) my ?self\b/,
  /\bself ?harm/,
  /\b(hang|hanging|drown|shoot|stab|poison) (my ?self|urself)\b/,
  /\b(jump|jumping) (off|from) (the |a |this )?(building|bridge|roof|balcony|tower|window)\b/,
  /\bcut(ting)? my wrists?\b/,
  /\b(took|taken|swallowed|ate|had) (all|every one|the whole (bottle|box|pack|packet|strip)|a whole (bottle|box|pack|packet)) (of )?my (pills|tablets|meds|medication|medicines|medicine|sleeping pills)\b/,
  /\b(i|ive|i have|i just) (took|taken) an overdose\b/,
  /\bi overdosed\b/,
  /\b(i|ive|i have|i just) (took|taken|swallowed|ate|had) (\d{2,}|all|a whole|the whole|too many|lots of|a lot of)\b.*\b(pills|tablets|meds|medication|medicines|sleeping|panadol|paracetamol)\b/,
  // Arabic and Gulf
  /انتحر|انتحار/,
  /قتل نفسي|اذبح نفسي|بذبح نفسي/,
  /(ابي|ابغي|ابغا|اريد|ودي|بغيت|اتمني|نفسي) (ان )?(اموت|الموت)/,
  /(ما|مو|مب|لا)( عاد)? ?(ابي|ابغي|ابغا|اريد|ودي) (اعيش|احيا|الحياه|اكمل حياتي)/,
  /(انهي|بنهي|انهاء|اخلص من|انهي) حياتي/,
  /(اذي|اوذي|ايذاء|اذيه|اجرح|اقطع|احرق) نفسي/,
  /جرحت نفسي|قطعت (عروقي|شرايين)|اقطع (عروقي|شرايين)/,
  /(اخذت|بلعت|شربت|اكلت) (كل|علبه|باكيت|شريط)\S* (ال)?(حبوب|دوا|ادويه|علاج)/,
  /(تعبت|مليت|زهقت|كرهت) (من )?(ال)?(حياه|حياتي|العيشه|عيشتي)/,
].map((r) => rx(r.source));

/** Time-critical medical signs: the emergency reply (998/999, the clinic's phone). */
const MEDICAL = [
  // Chest pain, heart attack
  /\bchest (pain|pains|hurts?|hurting|is hurting|ache|aches|tightnes|pressure|is tight|feels tight|feels heavy)\b/,
  /\b(pain|pressure|tightnes|heavines|squeezing) (in|on|across) (my |his |her |the )?chest\b/,
  /\b(sitting|weight|heavy|pressing|squeezing|crushing) on (my|his|her) chest\b/,
  /\bheart attack\b/,
  /\bcardiac arrest\b/,
  /\bclutching (his|her|my) chest\b/,
  /\bmy heart (hurts|is hurting)\b/,
  // Breathing
  /\b(cant|cannot|can not|unable to|couldnt|struggling to|struggles to|hard to|trouble|difficulty|difficult to|not able to) (breathe|breath|breathing)\b/,
  /\b(not|stopped|isnt|wasnt|is not) breathing\b/,
  /\bshort(nes)? of breath\b/,
  /\bgasping\b/,
  /\b(cant|cannot) catch (my|his|her) breath\b/,
  /\b(turning|turned|going) blue\b/,
  /\b(blue lips|lips (are |turning |turned )?blue)\b/,
  /\basthma attack\b/,
  /\bsuffocat/,
  // Stroke
  /\bstroke\b/,
  /\b(face|mouth|smile) (is |has |looks )?(drooping|droopy|droops|drooped|crooked|twisted|uneven|fallen)\b/,
  /\bface is droopy\b/,
  /\bslur/,
  /\b(face|arm|leg|side) (is |went |goes |feels |has gone )?(numb|weak|paralysed|paralyzed|dead)\b/,
  /\bwords (come|coming|came|are coming) out (wrong|weird|jumbled|funny)\b/,
  /\bsudden (severe |bad |terrible |worst )?(headache|vision los|los of vision|blindnes)\b|\bworst headache\b/,
  /\b(cant|cannot|can not) (talk|speak) (properly|clearly|right)\b/,
  /\bsuddenly (cant|cannot) (talk|speak|see|move)\b/,
  /\b(weak|weaknes|numb|numbnes|paralysed|paralyzed|cant move|cannot move|cant lift|cannot lift|cant feel)( in| of)?( his| her| my| the| one)?( left| right)? (arm|leg|side|face|half)\b/,
  // Heavy bleeding
  /\bblood everywhere\b/,
  /\b(so much|lots of|a lot of|too much) blood\b/,
  /\b(bleeding|bleeds|bled) (heavily|a lot|badly|so much|too much|nonstop|non stop|everywhere|profusely|wont stop|will not stop|doesnt stop|not stopping)\b/,
  /\b(heavy|severe|uncontrolled|massive|serious|lots of|a lot of) (bleeding|blood los)\b/,
  /\b(wont|will not|doesnt|cant|cannot) stop (the )?bleeding\b/,
  /\blos(ing|t) (a lot of|lots of|so much|too much) blood\b/,
  /\b(coughing|vomiting|throwing) (up )?blood\b/,
  /\bpregnant\b.*\bbleeding\b|\bbleeding\b.*\bpregnant\b/,
  /\bstabbed\b/,
  /\bbleeding (from|out of) (his|her|my|the) (head|neck|ear|eye|chest|mouth|stomach)\b/,
  /\b(bleed|blood|nosebleed|nose bleed)\w*\b.*\b(wont|will not|doesnt|does not|not) stop/,
  /\b(massive|heavy|severe) nose ?bleed/,
  /\bfel+ (off|from|down) (the |a |his |her |our )?(balcony|roof|window|building|stairs|height|ladder|bunk bed)\b/,
  /\bdeep (cut|wound)\b/,
  /\b(gunshot|been shot)\b/,
  // Unconsciousness
  /\bunconscious\b/,
  /\bunresponsive\b/,
  /\b(not|isnt|wont|will not|doesnt|cant|cannot) (responding|respond)\b/,
  /\b(not|wont|will not|doesnt|isnt|cant|cannot) (waking|wake) (up|him|her)\b/,
  /\bcollaps(ed|ing|e)\b/,
  /\b(passed out|fainted|blacked out|lost consciousnes|knocked out)\b/,
  /\bnot moving\b/,
  /\bno pulse\b/,
  // Poisoning, overdose
  /\boverdos/,
  /\bpoison/,
  /\b(swallowed|drank|drunk|ate|eaten|ingested|drinking) (some |a |an |the |my |his |her |all |of |too many |lots of |a lot of )*(bleach|clorox|detergent|cleaning|cleaner|kerosene|petrol|gasoline|pesticide|insecticide|dettol|chlorine|acid|antifreeze|acetone|lighter fluid|perfume|cologne|sanitizer|sanitiser|battery|batteries|magnets?|coin|pills?|tablets?|medicine|medication|meds|paracetamol|panadol)\b/,
  /\b(took|taken|had|take) (too many|all (the|his|her)|lots of|a lot of|a whole (bottle|box|pack|packet) of|the whole (bottle|box|pack|packet) of|\d{2,}) /,
  /\b(snake|scorpion) (bite|bit|sting|stung)\b|\b(bitten|bit) by a snake\b|\bstung by a scorpion\b/,
  /\bcarbon monoxide\b/,
  // Seizures
  /\bseizure/,
  /\bconvuls/,
  /\b(having|had|having another) a fit\b/,
  /\b(is|hes|shes|keeps|started|been|still) fitting\b/,
  /\bfoaming at the mouth\b/,
  /\bshaking (uncontrollably|all over)\b/,
  // Severe allergic reaction
  /\banaphyla/,
  /\b(throat|airway) (is )?(closing|swelling|swollen|tight)\b/,
  /\bswel+(ing|ed|en)? (throat|tongue|lips|face)\b/,
  /\b(tongue|lips?|face|throat) (and (tongue|lips?|face|throat) )?(is |are )?(swelling|swollen|swelled|puffing up|blown up)\b/,
  /\b(used|gave) (his|her|my|the|him|an|him his|her her) ?epi ?pen\b/,
  /\b(severe|bad|serious|major) allergic reaction\b|\ballergic reaction\b.*\b(breath|breathe|swallow|swell|swelling|throat|tongue|lips)\b/,
  // Choking
  /\bchok(ing|ed|es|e)\b/,
  /\b(something|food|a coin|a toy|a piece|a bone|it) (is )?stuck in (his|her|my|the) (throat|windpipe|airway)\b/,
  // Said outright
  /\bambulance\b/,
  /\bsos\b/,
  /\bcall (998|999|911)\b/,
  /\b(its|it is|this is|thats|we have) an? (emergency|urgent emergency)\b/,
  /^ emergency( please| help| now)* $/,
  /\b(drown|electrocut)/,
  /\b(hes|shes|he is|she is|im|i am|i think im|i think i am) dying\b(?! (to|for|of))/,

  // Arabic and Gulf: chest pain, heart attack
  /(الم|وجع|ضغط|ثقل|عوار)( شديد| قوي| حاد)? ?(في |ب|على |علي )?(ال)?صدر/,
  /صدري (يوجعني|يعورني|يالمني|يوجع|يعور|مضغوط|ضايق|يحرقني)/,
  /قلبي (يوجعني|يعورني|يالمني|بيوقف|يوقف|وقف|واقف)/,
  /(نوبه|جلطه|ازمه|سكته) قلبيه/,
  /يمسك صدر/,
  // Breathing
  /(ما|مو|مب|مش|لا|ماني) ?(اقدر|قدر|يقدر|تقدر|نقدر|قادر|قادره|استطيع|يستطيع|تستطيع|اعرف|يعرف|تعرف) ?(ا|ي|ت|ال)?تنفس/,
  /(ما|مو|مب|مش|لا) ?(يتنفس|تتنفس|اتنفس)/,
  /(ما|مو|مب|مش|لا|ماني) ?(اقدر|قدر|يقدر|تقدر|قادر|قادره|استطيع|يستطيع|تستطيع) ?(اخذ|ياخذ|تاخذ|اسحب|يسحب|تسحب) ?(ال)?نفس/,
  /(صعوبه|ضيق|توقف|انقطاع|صعوبات) (في |ب|بال)?(ال)?(تنفس|نفس)/,
  /(توقف|وقف) عن (ال)?تنفس/,
  /نفسه (وقف|انقطع|مقطوع)/,
  /(شفايف|شفاه)\S* (ازرق|زرق)/,
  /(نوبه|ازمه) ربو/,
  // Stroke
  /جلطه|سكته/,
  /وجه\S* (\S+ ){0,2}(مايل|معوج|مال|عوج|متدلي|مرتخي|منحرف)/,
  /(فم|بوز)\S* (معوج|مايل|عوج)/,
  /(ما|مو|مب|لا) ?(يحس|تحس|احس) (ب)?(يد|ايد|رجل|ذراع|وجه|نص)/,
  /(ما|مو|مب|لا) ?(يقدر |تقدر )?(يتكلم|تتكلم|ينطق|تنطق)\S*( \S+)? فجاه|فجاه (ما|مو|لا) ?(يتكلم|تتكلم|ينطق|تنطق)/,
  /(كلام|لسان|نطق)\S* (ثقيل|ثقل|متلعثم|مو واضح|مب واضح|غير واضح|يتلعثم)/,
  /(ما|مو|مب|لا) ?(يقدر|تقدر|اقدر|يستطيع|تستطيع|استطيع) ?(يحرك|تحرك|احرك|يرفع|ترفع|ارفع|تحريك|رفع) (يد|ايد|رجل|ذراع|نص|جهه)/,
  /(ضعف|تنميل|خدر|شلل) (مفاجئ |مفاجي |فجاه )?(في )?(ال)?(يد|ايد|ذراع|رجل|نص|نصف|جهه|جانب|وجه)/,
  // Heavy bleeding
  /نزيف/,
  /ينزف|تنزف|انزف|نازف/,
  /(ال)?دم (ما|مو|مب|لا) ?(يوقف|وقف|يتوقف|توقف|راضي يوقف)/,
  /(ال)?دم في كل مكان/,
  /دم (كثير|وايد|واجد|غزير)/,
  /(يستفرغ|تستفرغ|استفرغ|يتقيا|تتقيا|يكح|تكح|يسعل|تسعل|قيء|استفراغ|كحه)\S* (ال)?دم/,
  /طعن|رصاصه|انضرب بالرصاص/,
  /جرح (عميق|كبير)/,
  // Unconsciousness
  /(فاقد|فاقده|فقد|فقدان|فقدت) (ال)?وعي/,
  /مغمي|اغمي|اغماء|غيبوبه|انغمي/,
  /(طاح|طاحت|سقط|سقطت|انهار|انهارت|وقع|وقعت)\S*( \S+){0,3} و?(ما|مو|مب|لا) ?(يرد|ترد|يتحرك|تتحرك|يستجيب|تستجيب|يصحي|تصحي|يقوم|تقوم)/,
  /(ما|مو|مب|لا) ?(يستجيب|تستجيب|يصحي|تصحي|يصحا|تصحا|يفيق|تفيق|صحي|صحت|فاق|فاقت)( |$)/,
  /انهار|انهارت/,
  /(ما|مافي|مو|لا) ?(فيه |فيها )?نبض/,
  // Poisoning, overdose
  /تسمم/,
  /(بلع|ابتلع|شرب)\S* (\S+ ){0,2}(كلوركس|كلوروكس|مبيض|فلاش|ديتول|مطهر|منظف|تنظيف|كاز|بنزين|مبيد|سم|بطاريه|بطاريات|حبوب|دواء|ادويه|مغناطيس|عمله|عملات|مسمار|دبوس|خرزه)/,
  /(ولدي|بنتي|طفلي|طفلتي|الطفل|البيبي|ولد|بنت)\S* (اكل|اكلت|بلع|بلعت|شرب|شربت)\S* (\S+ ){0,2}(حبوب|دواء|ادويه|علاج)/,
  /(اخذ|اكل)\S* (\S+ ){0,2}(كلوركس|كلوروكس|مبيض|فلاش|ديتول|مطهر|منظف|تنظيف|كاز|بنزين|مبيد|سم|بطاريه)( |$)/,
  /(اخذ|اكل|بلع)\S* (كل|علبه|باكيت|شريط|نص)\S* (ال)?(حبوب|دوا|ادويه)/,
  /جرعه (زايده|زائده|مفرطه|كبيره)/,
  / (ال)?سم /,
  /(لدغ|لسع)\S* (\S+ )?(ثعبان|حيه|افعي|عقرب)/,
  // Seizures
  /تشنج/,
  /(نوبه|نوبات|حاله) صرع/,
  /(رغوه|زبد) (من|في) (ال)?(فم|ثم)/,
  /ينتفض|تنتفض/,
  // Severe allergic reaction
  /صدمه (حساسيه|تحسسيه)/,
  /حساسيه (قويه|شديده)/,
  /(حلق|زور)\S* (يتسكر|مسكر|ينغلق|مقفل|يتقفل|منتفخ|متورم|يضيق)/,
  /(وجه|شفايف|شفاه|شفه|لسان|حلق)\S* (منتفخ|متورم|ينتفخ|يتورم|وارم|انتفخ|تورم)/,
  /(تورم|انتفاخ) (في )?(ال)?(شفايف|شفاه|لسان|وجه|حلق)/,
  // Choking
  /يختنق|تختنق|اختنق|اختناق|مخنوق|انخنق/,
  /( |^)(غص|غصت|شرق|شرقت|شرقان) ب/,
  /(شي|شيء|حاجه|اكل|لقمه|عمله|لعبه|عظم|عظمه)\S* (عالق|علق|عالقه|محشور|واقف) (في )?(ال)?(حلق|زور)/,
  // Said outright
  /الحقوني|النجده|اسعاف/,
  /^ الحق(ني|وني|ونا|وا)? /,
  /(ابوي|امي|جدي|جدتي|ولدي|بنتي|طفلي|طفلتي|زوجي|زوجتي|اخوي|اختي|ابوه|امه)\S* (طاح|طاحت|سقط|سقطت|انهار|انهارت|وقع|وقعت)( |$)/,
  /حاله (طارئه|طوارئ)/,
  /^ (طوارئ|طارئ)( \S+)? $/,
  /(بيموت|راح يموت|قاعد يموت|تموت|يموت)(?! (من|علي|على|في))/,
].map((r) => rx(r.source));

/**
 * Benign phrases taken out of the text before the patterns run, so that a department, a test or a past event is not an
 * alarm while a new sign in the same message still is ("stroke rehab — and now he has slurred speech").
 */
const NOT_AN_ALARM = [
  /\bstroke (rehab\w*|physio\w*|recovery|clinic|unit|follow ?up|survivors?|prevention|risk|specialist|patients?)\b/,
  /\b(heart attack|stroke|seizure|seizures) (risk|prevention|screening|awarenes)\b/,
  /\b(after|post|since|from|previous|old) (a |an |my |his |her |the |last years? |mild )*(stroke|heart attack|seizure)\b/,
  /\bhistory of (seizures?|strokes?|heart attacks?|fits|fainting|convulsions)\b/,
  /\bfood poisoning\b/,
  /\b(app|website|site|link|page|system|phone|line|number|portal|payment|payment link) (is |was )?not responding\b/,
  /(بعد|تاهيل|متابعه|علاج|مرضي|اثار)( ما بعد)? (ال)?(جلطه|سكته|جلطات)/,
  /تسمم (ال)?غذائي/,
  /نزيف (في )?\S*لثه/,
  /(التطبيق|الموقع|الرابط|النظام|الصفحه|التلفون|الرقم|الدكتور|الدكتوره|الطبيب|الموظف) (ما|مو|لا) ?(يستجيب|يرد)/,
].map((r) => new RegExp(rx(r.source).source, 'g'));

/** 'self_harm', 'medical' or null: the kind of emergency the message describes, if any (self-harm wins when both). */
export function emergencyKind(text: string): EmergencyKind | null {
  let folded = foldForSafety(text);
  for (const re of NOT_AN_ALARM) folded = folded.replace(re, ' # ');
  if (SELF_HARM.some((re) => re.test(folded))) return 'self_harm';
  if (MEDICAL.some((re) => re.test(folded))) return 'medical';
  return null;
}

/** Whether the message describes an emergency of any kind (see `emergencyKind`). */
export function isEmergency(text: string): boolean {
  return emergencyKind(text) !== null;
}

const HUMAN_EN = [
  /\b(talk|speak|chat)\s+(to|with)\s+(a\s+|an\s+|some)?(human|person|one|body|staff|agent|receptionist|representative|doctor's\s+office)/,
  /\b(human|real\s+person|live\s+agent|agent|representative|operator|receptionist|customer\s+service)\b/,
  /\bstaff\s+please\b/,
];
const HUMAN_AR = ['موظف', 'موظفه', 'انسان', 'شخص حقيقي', 'خدمه العملاء', 'ممثل', 'اكلم احد', 'اتكلم مع احد', 'الاستقبال'];

/** "Talk to a human", "agent", "موظف" … */
export function wantsHuman(text: string): boolean {
  const folded = foldForMatching(text);
  return HUMAN_EN.some((re) => re.test(folded)) || HUMAN_AR.some((w) => folded.includes(foldForMatching(w)));
}

const MEDICAL_EN = [
  /\b(dose|dosage|doses)\b/,
  /\bhow\s+(many|much)\s+(mg|ml|pills?|tablets?|capsules?|drops)\b/,
  /\b(which|what)\s+(medicine|medication|drug|pill|tablet|antibiotic|painkiller|cream)s?\b/,
  /\b(should|can|could|may)\s+i\s+(take|use|stop|mix)\b.*\b(medicine|medication|drug|pills?|tablets?|antibiotics?|paracetamol|panadol|ibuprofen|brufen|aspirin|insulin|[a-z]+(cillin|mycin|pril|olol|statin|prazole))\b/,
  /\b(prescribe|prescription\s+for)\b/,
  /\b(diagnose|diagnosis)\b/,
  /\bwhat\s+(do|could|might)\s+i\s+have\b/,
  /\bwhat'?s\s+wrong\s+with\s+me\b/,
  /\bis\s+(it|this)\s+(cancer|serious|contagious|an?\s+infection)\b/,
  /\bside\s+effects?\b/,
];
const MEDICAL_AR = ['جرعه', 'اي دواء', 'ما الدواء', 'ما هو الدواء', 'شو الدواء', 'ايش الدواء', 'دواء مناسب', 'هل اخذ', 'هل يمكنني اخذ', 'مضاد حيوي', 'مسكن', 'تشخيص', 'شخص حالتي', 'وصفه طبيه', 'اعراض جانبيه', 'ماذا عندي', 'شو عندي'];

/** Questions for a physician, not for the assistant: medication, doses, diagnoses. */
export function asksMedicalAdvice(text: string): boolean {
  const folded = foldForMatching(text);
  return MEDICAL_EN.some((re) => re.test(folded)) || MEDICAL_AR.some((w) => folded.includes(foldForMatching(w)));
}
