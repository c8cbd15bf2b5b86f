from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from core.cache import conditional

from .models import CATALOGUE_VERSION, Measure

FEED_MAX_AGE = 600  # feed readers poll; nothing in a feed changes with time alone, a catalogue change gives a new ETag


class MeasureFeed(Feed):
    title = _("CN支援ポータル 補助金・支援策の新着と更新")
    link = reverse_lazy("subsidies:index")
    description = _("カーボンニュートラルに使える補助金・支援策の、新しく載ったものと内容が変わったもの。")

    @method_decorator(conditional(CATALOGUE_VERSION, max_age=FEED_MAX_AGE))
    def __call__(self, request, *args, **kwargs):
        return super().__call__(request, *args, **kwargs)

    def items(self):
        # Past schemes (「過去の制度」) are left out, as the finder leaves them out unless asked for them.
        return Measure.objects.filter(ended=False).order_by("-updated_at")[:50]

    def item_title(self, item: Measure) -> str:
        return item.name

    def item_description(self, item: Measure) -> str:
        text = item.description
        if item.from_jgrants:
            text += f"（{item.attribution}）"
        return text

    def item_updateddate(self, item: Measure):
        return item.updated_at

    def item_pubdate(self, item: Measure):
        return item.created_at


class MeasureAtomFeed(MeasureFeed):
    feed_type = Atom1Feed
    subtitle = MeasureFeed.description
